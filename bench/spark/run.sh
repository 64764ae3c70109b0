#!/usr/bin/env bash
# Rows/s of executorch4j-spark on one local executor vs the library called directly.
# Usage: bench/spark/run.sh [rows] [repeats]      (defaults: 200000 rows, 5 timed repeats)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mvn -B -q -pl spark install -DskipTests
mvn -B -q -f bench/spark/pom.xml compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
# What Spark 4.2's launcher (JavaModuleOptions) adds to driver and executor JVMs; spark-submit
# adds them itself, an application that starts Spark in its own JVM must.
opens=(-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true
  --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)
# Run on a copy of the library jar: a concurrent `mvn install` of core must not swap it mid-run.
cp=""
for jar in $(tr ':' ' ' < bench/spark/target/classpath.txt); do
  case "$jar" in
    */executorch4j-0*.jar | */executorch4j-spark-*.jar)
      mkdir -p bench/spark/target/lib && cp "$jar" bench/spark/target/lib/ && jar="bench/spark/target/lib/$(basename "$jar")" ;;
  esac
  cp="$cp:$jar"
done
exec java "${opens[@]}" -Xmx2g -cp "bench/spark/target/classes$cp" \
  executorch4j.bench.spark.SparkThroughput "$root/fixtures" "${1:-200000}" "${2:-5}"
