package org.ortho4j.calibrate;
// Not compiled with the project: the experiment behind docs/calibration/README.md. Run from the repository root:
//   javac -cp target/classes:<ejml> -d /tmp/mof docs/calibration/MomentumOnlyFit.java
//   java -cp /tmp/mof:target/classes:<ejml> org.ortho4j.calibrate.MomentumOnlyFit 64 64
// Fits 5 triples to the training momentum spectra alone (same constraints as Calibrator) and prints held-out ratios to PE.
import org.ortho4j.Schedule;
import java.util.*;
public class MomentumOnlyFit { public static void main(String[] a){
 int k=Integer.parseInt(a[0]), w=Integer.parseInt(a[1]);
 long ss=20261123L*1_000_003L+k*7919L+w;
 List<Spectra.Spectrum> tr=new ArrayList<>(); for (Spectra.Spectrum s: Spectra.training(k,w,ss)) if (s.kind==Spectra.Kind.MOMENTUM) tr.add(s);
 double[][] pe = Schedule.polarExpress().resolve(k,w).triples();
 Objective obj=new Objective(tr,1.02,1e-6,5,Objective.Mode.BOTH,pe,ss+1,Objective.xLo(k,w,1.02,1e-6));
 double g=0.98/1.05; double[][] ps = new double[5][]; for(int i=0;i<5;i++) ps[i]=pe[i].clone(); ps[0][0]*=g; ps[0][1]*=g*g*g; ps[0][2]*=g*g*g*g*g;
 double[] x=Objective.flatten(ps);
 for (int r=0;r<4;r++){ double[] st=new double[x.length]; for(int i=0;i<x.length;i++) st[i]=(r==0?0.1:0.03)*Math.abs(x[i])+0.01; x=NelderMead.minimise(obj::value,x,st,3000,1e-10);}
 double[][] abc=Objective.unflatten(x);
 System.out.println("train ratios "+obj.ratios(abc)+" J "+obj.value(x));
 Map<Spectra.Kind,double[][]> e = Calibrator.evaluate(abc,k,w,ss,5);
 for (var en: e.entrySet()) System.out.printf("%s %.4f/%.4f ", en.getKey(), en.getValue()[0][0]/en.getValue()[1][0], en.getValue()[0][1]/en.getValue()[1][1]);
 System.out.println(); System.out.println(Arrays.deepToString(abc)+" floor "+Objective.composedMin(abc,Calibrator.denseGrid(),Objective.xLo(k,w,1.02,1e-6)));
}}
