// Readiness check of the local broker: java -cp 'lib/*' KafkaReady.java HOST:PORT TIMEOUT_SECONDS
// Exits 0 once the broker answers a metadata request (describeCluster), 1 at the deadline.
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

public class KafkaReady {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        String last = "no answer";
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                try {
                    var cluster = admin.describeCluster();
                    int nodes = cluster.nodes().get(5, TimeUnit.SECONDS).size();
                    String id = cluster.clusterId().get(5, TimeUnit.SECONDS);
                    if (nodes > 0) {
                        System.out.println("kafka: cluster " + id + ", " + nodes + " broker(s)");
                        return;
                    }
                    last = "no broker in the metadata";
                } catch (Exception e) {
                    last = String.valueOf(e.getCause() != null ? e.getCause() : e);
                }
                Thread.sleep(500);
            }
        }
        System.err.println("kafka: " + bootstrap + " did not answer a metadata request: " + last);
        System.exit(1);
    }
}
