import sys, gzip, statistics as st, collections
tr = sys.argv[1]; tl = sys.argv[2]
# timeline: sent-at, status, latency
rows=[l.split('\t') for l in gzip.open(tl,'rt') if l[0].isdigit()]
t0=min(float(r[0]) for r in rows); t1=max(float(r[0]) for r in rows)
print("timeline", len(rows), "first", t0, "last", t1, "example", rows[0])
W=[];A=[];B=[]
for l in open(tr):
    p=l.rstrip('\n').split('\t')
    if p[0]=='W': W.append((int(p[1]),int(p[2])))
    elif p[0]=='A': A.append((p[1],int(p[2]),int(p[3]),int(p[4])))
    elif p[0]=='B': B.append((p[1],p[2],int(p[3]),int(p[4]),int(p[5]),int(p[6]),int(p[7])))
def unit(x): return x
# timeline sent-at unit guess
scale = 1e6 if t0 < 1e11 else (1e3 if t0<1e14 else 1)
lo=t0*scale; hi=t1*scale
def pct(a,q):
    a=sorted(a); return a[min(len(a)-1,int(q*len(a)))] if a else None
w=[d/1000 for s,d in W if lo<=s<=hi]
print("waits in window", len(w), "mean %.1f p50 %.1f p90 %.1f p99 %.1f max %.1f" % (st.mean(w), pct(w,.5), pct(w,.9), pct(w,.99), max(w)))
print("wait<1ms share %.2f" % (sum(1 for x in w if x<1)/len(w)))
lat=[float(r[2]) for r in rows]
print("client latency mean %.1f p50 %.1f p90 %.1f p99 %.1f" % (st.mean(lat), pct(lat,.5), pct(lat,.9), pct(lat,.99)))
by=collections.defaultdict(list)
for g,th,n,s,e,mn,mx in B:
    if lo<=s<=hi: by[(g,th)].append((s,e,n,mn,mx))
for k,v in sorted(by.items()):
    v.sort()
    durs=[(e-s)/1000 for s,e,n,mn,mx in v]; ns=[n for s,e,n,mn,mx in v]
    gaps=[(v[i+1][0]-v[i][1])/1000 for i in range(len(v)-1)]
    age=[(s-mn)/1000 for s,e,n,mn,mx in v]
    print(k, "batches", len(v), "n mean %.1f max %d" % (st.mean(ns), max(ns)), "dur p50 %.1f p90 %.1f p99 %.1f" % (pct(durs,.5),pct(durs,.9),pct(durs,.99)),
          "idle p50 %.1f p90 %.1f" % (pct(gaps,.5), pct(gaps,.9)), "oldest-age-at-start p50 %.1f p90 %.1f p99 %.1f" % (pct(age,.5),pct(age,.9),pct(age,.99)),
          "busy %.2f" % (sum(durs)/((hi-lo)/1000)))
# commit - ts for task creates
ct=[(c-ts)/1000 for a,s,c,ts in A if lo<=c<=hi]
print("A commit-ts mean %.1f p50 %.1f p90 %.1f p99 %.1f n %d" % (st.mean(ct), pct(ct,.5), pct(ct,.9), pct(ct,.99), len(ct)))
