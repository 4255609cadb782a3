#!/usr/bin/env python3
"""Summarise CPU samples of a JFR recording (JDK only, no async-profiler needed).
Usage: jfr_summary.py recording.jfr [top=25]
Prints: samples per thread group, top self frames, and top inclusive frames of the application's libraries
(the prefixes in LIBRARIES: dev.reelay, Axon, Spring, Jackson, Netty, Tomcat, PostgreSQL JDBC, …).
       jfr_summary.py recording.jfr --callers FRAME [depth=14] [top=8]
Prints: the share of samples with FRAME (a substring of a frame's name) on the stack, and the commonest call paths
that lead to it (depth frames above its first occurrence), to say who pays for a frame the summary shows.
       jfr_summary.py recording.jfr --groups [top=14]
Prints, per thread group: the library of each sample's innermost frame outside the JDK (which library's code was
running), and the top Reelay frames on its stacks, to say what a group's share is spent on when no frame stands out."""
import collections
import re
import subprocess
import sys

# The app's libraries by package prefix, most specific first: the inclusive frames of the summary and the library of
# each sample in --groups
LIBRARIES = (("dev.reelay.", "reelay"), ("org.axonframework.", "axon"), ("org.hibernate.", "hibernate"),
             ("com.github.kagkarlsson.", "db-scheduler"), ("org.springframework.security.", "spring-security"),
             ("org.springframework.", "spring"), ("com.fasterxml.jackson.", "jackson"), ("io.netty.", "netty"),
             ("reactor.", "reactor"), ("org.postgresql.", "pgjdbc"), ("com.zaxxer.hikari.", "hikari"),
             ("com.nimbusds.", "nimbus"), ("org.apache.catalina.", "tomcat"), ("org.apache.coyote.", "tomcat"),
             ("org.apache.tomcat.", "tomcat"),
             ("ch.qos.logback.", "logback"), ("io.micrometer.", "micrometer"), ("io.github.bucket4j.", "bucket4j"))
INTERESTING = tuple(prefix for prefix, _ in LIBRARIES)
JDK = ("java.", "javax.", "jdk.", "sun.")


def group_of(thread):
    t = re.sub(r"\d+", "#", thread)
    for key, name in (("http-nio", "tomcat request threads"), ("WorkPackage[task-views]", "axon task-views"),
                      ("WorkPackage[upstream-saga]", "axon upstream-saga"),
                      ("WorkPackage[content-archive]", "axon content-archive"), ("Coordinator", "axon coordinators"),
                      ("db-scheduler", "db-scheduler (deadlines)"), ("reactor-http", "netty event loops (WebClient)"),
                      ("boundedElastic", "reactor boundedElastic (upstream commands)"), ("parallel", "reactor parallel")):
        if key in t:
            return name
    return "other: " + t


def samples(path):
    out = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "96", path],
                         capture_output=True, text=True, check=True).stdout
    for block in out.split("jdk.ExecutionSample {")[1:]:
        m = re.search(r'sampledThread = "([^"]*)"', block)
        thread = m.group(1) if m else "?"
        frames = re.findall(r"^\s{4}([\w.$<>]+)\(", block, re.M)
        yield thread, frames


def main(path, top=25):
    groups = collections.Counter()
    self_frames = collections.Counter()
    inclusive = collections.Counter()
    n = 0
    for thread, frames in samples(path):
        n += 1
        groups[group_of(thread)] += 1
        if frames:
            self_frames[frames[0]] += 1
        seen = set()
        for f in frames:
            if f.startswith(INTERESTING) and f not in seen:
                seen.add(f)
                inclusive[f] += 1
    if n == 0:
        print("no execution samples")
        return
    print(f"{n} CPU samples")
    print("\nsamples by thread group:")
    for g, c in groups.most_common(15):
        print(f"  {100.0 * c / n:5.1f}%  {g}")
    print(f"\ntop {top} self frames (where the CPU was):")
    for f, c in self_frames.most_common(top):
        print(f"  {100.0 * c / n:5.1f}%  {f}")
    print(f"\ntop {top} inclusive frames of the app's libraries (share of samples with the frame on the stack):")
    for f, c in inclusive.most_common(top):
        print(f"  {100.0 * c / n:5.1f}%  {f}")


def callers(path, frame, depth=14, top=8):
    n = 0
    hits = collections.Counter()
    for _, frames in samples(path):
        n += 1
        at = next((i for i, f in enumerate(frames) if frame in f), None)
        if at is not None:
            hits[tuple(frames[at:at + depth])] += 1
    total = sum(hits.values())
    print(f"{total} of {n} CPU samples ({100.0 * total / max(n, 1):.1f}%) have a frame matching {frame!r}")
    for path_frames, c in hits.most_common(top):
        print(f"\n  {100.0 * c / max(n, 1):5.1f}%")
        for f in path_frames:
            print(f"      {f}")


def library_of(frame):
    return next((name for prefix, name in LIBRARIES if frame.startswith(prefix)), "other")


def groups(path, top=14):
    n = 0
    per_group = collections.Counter()
    running = collections.defaultdict(collections.Counter)
    reelay = collections.defaultdict(collections.Counter)
    for thread, frames in samples(path):
        n += 1
        g = group_of(thread)
        per_group[g] += 1
        running[g][next((library_of(f) for f in frames if not f.startswith(JDK)), "jdk only")] += 1
        for f in dict.fromkeys(f for f in frames if f.startswith("dev.reelay.")):  # once per sample, in stack order
            reelay[g][f] += 1
    print(f"{n} CPU samples")
    for g, c in per_group.most_common():
        print(f"\n{g}: {c} samples ({100.0 * c / n:.1f}%)")
        print("  innermost library outside the JDK: "
              + ", ".join(f"{lib} {100.0 * k / c:.0f}%" for lib, k in running[g].most_common(10)))
        for f, k in reelay[g].most_common(top):
            print(f"  {100.0 * k / c:5.1f}%  {f}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "--groups":
        groups(sys.argv[1], *(int(a) for a in sys.argv[3:4]))
    elif len(sys.argv) > 3 and sys.argv[2] == "--callers":
        callers(sys.argv[1], sys.argv[3], *(int(a) for a in sys.argv[4:6]))
    else:
        main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25)
