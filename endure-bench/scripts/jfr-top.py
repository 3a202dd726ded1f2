"""Aggregates JFR execution samples: top frames, top packages (self), first Endure frame, inclusive frames.

usage: jfr print --events jdk.ExecutionSample --stack-depth 64 w.jfr | python3 endure-bench/scripts/jfr-top.py
"""
import sys, re, collections
text = sys.stdin.read()
events = text.split("jdk.ExecutionSample {")[1:]
top = collections.Counter(); pkg = collections.Counter(); incl = collections.Counter(); endure = collections.Counter()
n = 0
for ev in events:
    m = re.search(r"stackTrace = \[(.*?)\n\s*\]", ev, re.S)
    if not m: continue
    frames = [f.strip() for f in m.group(1).strip().split("\n") if f.strip() and not f.strip().startswith("...")]
    frames = [re.sub(r"\s+line:.*", "", f) for f in frames]
    if not frames: continue
    n += 1
    top[frames[0]] += 1
    p = frames[0].split("(")[0].rsplit(".", 2)[0]
    pkg[p] += 1
    seen=set()
    for f in frames:
        k = f.split("(")[0]
        if k not in seen:
            seen.add(k); incl[k]+=1
    for f in frames:
        if f.startswith("dev.endure"):
            endure[f.split("(")[0]] += 1; break
    else:
        endure["<no endure frame> " + frames[-1].split("(")[0]] += 1
print("samples", n)
for title, c, k in (("top frames", top, 25), ("top packages (self)", pkg, 20), ("first endure frame", endure, 25), ("inclusive", incl, 60)):
    print("==", title)
    for f, v in c.most_common(k): print(f"{v:6d} {100*v/n:5.1f}% {f}")
