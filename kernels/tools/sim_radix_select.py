# Simulates soft_threshold.cu's st_init/st_hist/st_select (3 digits 11/11/10 over |M| bits, two targets,
# shared histogram while prefixes agree, per-thread 8-bin ranges + block scan) and checks v(k0), v(k1) exactly.
import random, struct, math
def bits(x): return struct.unpack('<I', struct.pack('<f', x))[0] & 0x7fffffff
def fl(u): return struct.unpack('<f', struct.pack('<I', u))[0]
SH=[21,10,0]; BI=[11,11,10]
def select(vals, k0, k1):
    pre=[0,0]; rank=[k0,k1]
    for p in range(3):
        sh,bi=SH[p],BI[p]; hi=sh+bi; mask=(1<<bi)-1
        same = pre[0]==pre[1]
        h=[0]*4096
        for v in vals:
            dg=(v>>sh)&mask; top=0 if hi>=32 else v>>hi
            if top==pre[0]: h[dg]+=1
            if not same and top==pre[1]: h[2048+dg]+=1
        found=[[0,0],[0,0]]
        for t in range(2):
            ht = h[2048:] if (t==1 and not same) else h[:2048]
            r=rank[t]
            loc=[sum(ht[th*8+k] if th*8+k < (1<<bi) else 0 for k in range(8)) for th in range(256)]
            before=0; hits=0
            for th in range(256):
                if before<=r<before+loc[th]:
                    run=before
                    for k in range(8):
                        j=th*8+k; c=ht[j] if j<(1<<bi) else 0
                        if run<=r<run+c: found[t]=[j,run]; hits+=1
                        run+=c
                before+=loc[th]
            assert hits==1,(p,t,hits)
        for t in range(2):
            pre[t]=(pre[t]<<bi)|found[t][0]; rank[t]-=found[t][1]
    return pre
rng=random.Random(1)
gens=[lambda n:[rng.gauss(0,1) for _ in range(n)],
      lambda n:[float(rng.randint(-3,3)) for _ in range(n)],          # many ties, zeros
      lambda n:[0.0]*n,
      lambda n:[rng.choice([1e-40,-1e-42,3e38,-0.0,1.0,1.0000001]) for _ in range(n)],  # subnormals, huge
      lambda n:[rng.gauss(0,1)*2.0**rng.randint(-30,30) for _ in range(n)]]
cnt=0
for n in list(range(1,40))+[127,128,129,1000,2049]:
    for g in gens:
        xs=g(n); vs=[bits(struct.unpack('<f',struct.pack('<f',x))[0]) for x in xs]; srt=sorted(vs)
        for q in [0.0,1.0,0.5,0.25,0.9,0.999,rng.random()]:
            pos=q*(n-1); k0=math.floor(pos); k1=min(n-1,math.ceil(pos))
            pre=select(vs,k0,k1)
            assert pre==[srt[k0],srt[k1]],(n,q,pre,srt[k0],srt[k1])
            cnt+=1
print("ok", cnt, "cases")
