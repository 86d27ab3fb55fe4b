# SipFlow image: built from this repository (JDK 17 + Maven), run on a JRE.
#   docker build -t sipflow .        (docker-compose.yml does this)
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY sql sql
COPY src src
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
WORKDIR /opt/sipflow
COPY --from=build /src/target/sipflow.jar sipflow.jar
# SIP (UDP+TCP), management API, Prometheus /observe/metrics + /observe/health
EXPOSE 5060/udp 5060/tcp 8080/tcp 9876/tcp
# spool, and the embedded databases when none is configured
VOLUME ["/opt/sipflow/data"]
# ZGC with a fixed 4 GiB heap: GC pauses under a millisecond, which is what keeps SIP's p99 in
# single-digit ms under load (README, Performance). The soft limit at half the heap starts ZGC's
# cycles early, so the other half absorbs a jump in traffic: without it the first cycle under load
# began at ~90 % of the heap and stalled every SIP thread ~0.5 s (503s shed). Override with JAVA_OPTS.
ENV JAVA_OPTS="-XX:+UseZGC -Xms4g -Xmx4g -XX:SoftMaxHeapSize=2g"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar sipflow.jar run \"$@\"", "sipflow"]
