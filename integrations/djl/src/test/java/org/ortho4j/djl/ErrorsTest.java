package org.ortho4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ortho4j.optim.Muon;
import org.ortho4j.optim.Role;
import org.ortho4j.optim.Scion;

/** (d) Clear errors: a parameter not in the block, per-device copies, a parameter that never arrives, bad options. */
class ErrorsTest {

    /** {@code a} as seen from another device (what DJL's parameter server hands over for a per-device copy). */
    static NDArray onDevice(NDArray a, Device d) {
        return (NDArray) Proxy.newProxyInstance(NDArray.class.getClassLoader(), new Class<?>[] {NDArray.class}, (p, m, args) -> {
            if (m.getName().equals("getDevice") && m.getParameterCount() == 0) {
                return d;
            }
            try {
                return m.invoke(a, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    @Test
    void refusesAnIdNotInTheBlock() {
        Block block = Fixtures.mlp(8);
        try (Ortho4jOptimizer opt = Ortho4jOptimizer.muon(block).build(); Model model = Model.newInstance("mlp");
                Trainer trainer = Fixtures.trainer(model, block, opt, 1)) {
            NDArray w = block.getParameters().get("01Linear_weight").getArray();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.update("no-such-id", w, w));
            assertTrue(e.getMessage().contains("no-such-id") && e.getMessage().contains("01Linear_weight"), e.getMessage());
        }
    }

    @Test
    void refusesPerDeviceCopies() {
        Block block = Fixtures.mlp(8);
        try (Ortho4jOptimizer opt = Ortho4jOptimizer.muon(block).build(); Model model = Model.newInstance("mlp");
                Trainer trainer = Fixtures.trainer(model, block, opt, 1)) {
            Parameter p = block.getParameters().get("03Linear_weight");
            NDArray w = p.getArray();
            try (NDArray g = w.zerosLike().add(1f)) {
                opt.update(p.getId(), w, g);
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> opt.update(p.getId(), onDevice(w, Device.gpu(1)), g));
                assertTrue(e.getMessage().contains("03Linear_weight") && e.getMessage().contains(Device.cpu().toString())
                        && e.getMessage().contains(Device.gpu(1).toString()) && e.getMessage().contains("multi-device"), e.getMessage());
                // the same device twice: a parameter never reached the optimizer
                opt.update(p.getId(), w, g);
                e = assertThrows(IllegalStateException.class, () -> opt.update(p.getId(), w, g));
                assertTrue(e.getMessage().contains("01Linear_weight") && e.getMessage().contains("never reached"), e.getMessage());
            }
            assertEquals(0, opt.delegate().steps());
        }
    }

    @Test
    void refusesWrongOptionsAndRoles() {
        Block block = Fixtures.mlp(8);
        assertThrows(IllegalArgumentException.class, () -> Ortho4jOptimizer.muon(block).options(new Scion.Options()));
        assertThrows(IllegalArgumentException.class, () -> Ortho4jOptimizer.muon(block).role("x", Role.ATTENTION));
        assertThrows(IllegalArgumentException.class, () -> Ortho4jOptimizer.muon(block).optWeightDecays(0.1f).build());
        try (Model model = Model.newInstance("mlp")) {
            Ortho4jOptimizer ok = Ortho4jOptimizer.muon(block).options(new Muon.Options()).build();
            try (Trainer trainer = Fixtures.trainer(model, block, ok, 1)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Ortho4jOptimizer.muon(block).role("fc3.weight", Role.HIDDEN).build());
                assertTrue(e.getMessage().contains("fc3.weight") && e.getMessage().contains("05Linear_weight"), e.getMessage());
            } finally {
                ok.close();
            }
        }
    }

    @Test
    void rolesFromTheBlockAndOverrides() {
        Block block = Fixtures.mlp(8);
        try (Model model = Model.newInstance("mlp");
                Trainer trainer = Fixtures.trainer(model, block, ai.djl.training.optimizer.Optimizer.adam().build(), 1);
                Ortho4jOptimizer def = Ortho4jOptimizer.muon(block).build();
                Ortho4jOptimizer over = Ortho4jOptimizer.muon(block).role("05Linear_weight", Role.HIDDEN)
                        .role(block.getParameters().get("01Linear_bias").getId(), Role.BIAS_GAIN).build()) {
            assertEquals(Role.HIDDEN, def.roleOf("01Linear_weight"));
            assertEquals(Role.OUTPUT, def.roleOf("05Linear_weight"));
            assertEquals(Role.OUTPUT, def.roleOf("05Linear_bias"));
            assertEquals(Role.BIAS_GAIN, def.roleOf("03Linear_bias"));
            assertEquals(Role.HIDDEN, over.roleOf("05Linear_weight"));
            assertEquals(Role.BIAS_GAIN, over.roleOf("05Linear_bias"));
            assertEquals(List.of("01Linear_weight", "03Linear_weight", "05Linear_weight", "01Linear_bias", "03Linear_bias",
                    "05Linear_bias"), over.parameterNames());
        }
    }
}
