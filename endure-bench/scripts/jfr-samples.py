#!/usr/bin/env python3
# Aggregates jdk.ExecutionSample of a JFR recording: top self frames, samples per library (inclusive) and per first
# Endure frame. Usage: jfr-samples.py recording.jfr [thread-name regex, e.g. JettyServer]
import sys, re, subprocess, collections
f = sys.argv[1]; thread_filter = sys.argv[2] if len(sys.argv) > 2 else None
out = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", f], capture_output=True, text=True).stdout
samples = out.split("jdk.ExecutionSample")
top = collections.Counter(); incl = collections.Counter(); threads = collections.Counter(); total = 0
marks = ["com.fasterxml.jackson", "io.javalin", "org.eclipse.jetty", "org.postgresql", "com.zaxxer.hikari", "ch.qos.logback", "org.slf4j",
         "io.micrometer", "dev.endure.server.api.Body", "dev.endure.server.api.Auth", "dev.endure.server.api.Routes.json", "dev.endure.delivery.jdbc",
         "dev.endure.server.api.Json", "dev.endure.bench", "java.util.regex", "dev.endure.server.schema", "sun.security", "java.security", "javax.crypto", "jdk.internal.net", "java.util.UUID"]
for s in samples[1:]:
    m = re.search(r'sampledThread = "([^"]*)"', s)
    t = m.group(1) if m else "?"
    if thread_filter and not re.search(thread_filter, t):
        continue
    frames = re.findall(r'^\s+([\w$.<>]+)\(.*\)\s+line:', s, re.M)
    if not frames: continue
    total += 1
    threads[re.sub(r'\d+', 'N', t)] += 1
    top[frames[0]] += 1
    seen = set()
    for fr in frames:
        for mk in marks:
            if fr.startswith(mk) and mk not in seen:
                seen.add(mk); incl[mk] += 1
    # first dev.endure frame
    for fr in frames:
        if fr.startswith("dev.endure"):
            incl["first endure: " + fr] += 1; break
print("samples", total)
print("threads:", threads.most_common(8))
print("-- top self frames")
for k, v in top.most_common(25): print(f"{v:6d} {100*v/total:5.1f}% {k}")
print("-- inclusive by library")
for k, v in sorted(((k, v) for k, v in incl.items() if not k.startswith("first")), key=lambda x: -x[1]): print(f"{v:6d} {100*v/total:5.1f}% {k}")
print("-- first endure frame")
for k, v in sorted(((k, v) for k, v in incl.items() if k.startswith("first")), key=lambda x: -x[1])[:20]: print(f"{v:6d} {100*v/total:5.1f}% {k}")
