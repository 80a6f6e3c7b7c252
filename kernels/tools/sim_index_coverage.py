# Coverage / pairing checks for lmo.cu and gauge.cu index math (all threads simulated).
def java_pair(np_, r, k):
    rounds=np_-1; x=r if k==0 else (r+k)%rounds; y=np_-1 if k==0 else ((r-k)%rounds+rounds)%rounds
    return min(x,y),max(x,y)
def cuda_pair(kk, rnd, pr):
    ci = rnd if pr==0 else (rnd+pr)%(kk-1); cj = kk-1 if pr==0 else (rnd-pr+kk-1)%(kk-1)
    if ci>cj: ci,cj=cj,ci
    return ci,cj
for k in range(1,130):
    kk=k+(k&1); seen=set()
    for rnd in range(kk-1):
        used=set()
        for pr in range(kk//2):
            a=cuda_pair(kk,rnd,pr); assert a==java_pair(kk,rnd,pr)
            assert a[0]!=a[1] and a[0] not in used and a[1] not in used; used|={a[0],a[1]}
            if a[1]<k: assert a not in seen; seen.add(a)
    assert len(seen)==k*(k-1)//2, k
print("round robin ok 1..129")
# gauge_gram: output (i, j) coverage: 256 threads, tx=t&31 (j), ty=t>>5, rows ty+8q
for d in range(1,129):
    tiles=(d+31)//32; cnt={}
    for bx in range(tiles*tiles):
        i0=(bx//tiles)*32; j0=(bx%tiles)*32
        for t in range(256):
            tx,ty=t&31,t>>5
            for q in range(4):
                i=i0+ty+8*q; j=j0+tx
                if i<d and j<d: cnt[(i,j)]=cnt.get((i,j),0)+1
    assert len(cnt)==d*d and set(cnt.values())=={1}, d
print("gauge_gram coverage ok")
# gauge_apply_rows: (i, x) for x-tiles, warps over rows; gauge_apply_cols: (y, j)
for d in [1,2,3,7,8,31,33,64,127,128]:
    for D in [1,5,31,32,33,100]:
        cnt={}
        for bx in range((D+31)//32):
            x0=bx*32
            for t in range(256):
                x=t&31
                if x0+x<D:
                    for i in range(t>>5,d,8): cnt[(i,x0+x)]=cnt.get((i,x0+x),0)+1
        assert len(cnt)==d*D and set(cnt.values())=={1}
        cnt={}
        for bx in range((D+31)//32):
            y0=bx*32
            for t in range(256):
                for e in range(t,32*d,256):
                    yy,j=e//d,e%d
                    if y0+yy<D: cnt[(y0+yy,j)]=cnt.get((y0+yy,j),0)+1
        assert len(cnt)==d*D and set(cnt.values())=={1}
print("apply rows/cols coverage ok")
# gauge_solve row/col rotation loops: every (pair, index) touched once, disjoint writes
for d in range(1,129):
    dd=d+(d&1)
    for rnd in range(dd-1):
        w=set()
        for e in range((dd//2)*d):
            pr,j=e//d,e%d
            p=rnd if pr==0 else (rnd+pr)%(dd-1); q=dd-1 if pr==0 else (rnd-pr+dd-1)%(dd-1)
            if p>=d or q>=d: continue
            for c in ((p,j),(q,j)): assert c not in w; w.add(c)
print("gauge_solve rotation loops disjoint ok")
# gauge_scale_apply unit mapping, gauge_logit_apply, lmo_apply_factor index
for b_ in [1,3]:
    for k in [1,3,5]:
        for D1 in [1,4]:
            for D2 in [1,2,7]:
                c1=b_*k*D1
                for f in range(c1): b=f//(k*D1); i=(f%(k*D1))//D1; assert f//D1==b*k+i
                for f in range(b_*D2*k): b=f//(D2*k); c=f%k; r=(f%(D2*k))//k; assert b*k+f%k==b*k+c and f==b*D2*k+r*k+c
print("scale unit mapping ok")
# lmo_polar_jacobi: load / store index maps are bijections for tall and wide
for rows in range(1,20):
    for cols in range(1,20):
        tall=rows>=cols; p=max(rows,cols); k=min(rows,cols); seen=set()
        for e in range(rows*cols):
            i,j=e//cols,e%cols; r,c=(i,j) if tall else (j,i)
            assert 0<=r<p and 0<=c<k; seen.add(c*p+r)
        assert len(seen)==p*k
print("lmo jacobi load/store bijection ok")
