#!/usr/bin/env bash
# Builds the test class path (the JMH sources in jmh/src/main/java compile with the tests) and runs JMH with the
# given arguments, e.g.  jmh/run.sh CpuNewtonSchulzBench -f 1 -wi 1 -i 3 -w 2s -r 2s -p shape=1x512x512
set -euo pipefail
cd "$(dirname "$0")/.."
# (the benchmarks compile with the core module's tests: core/target/test-classes)
mvn -q -B -o -pl core -am test-compile dependency:build-classpath -Dmdep.outputFile=target/jmh.classpath -Dmdep.includeScope=test
exec java ${JMH_JAVA_OPTS:-} -cp "core/target/test-classes:core/target/classes:$(cat core/target/jmh.classpath)" org.openjdk.jmh.Main "$@"
