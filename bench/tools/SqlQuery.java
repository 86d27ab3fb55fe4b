import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Runs one SQL query and prints its rows, tab-separated (no header). For the bench scripts, which
 * have no MySQL client: the JDBC driver comes from SipFlow's jar.
 *
 *   java -cp target/sipflow.jar bench/tools/SqlQuery.java jdbc:mysql://127.0.0.1:3307/sipflow root "" "SELECT ..."
 */
public class SqlQuery {
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: SqlQuery JDBC_URL USER PASSWORD QUERY");
            System.exit(2);
        }
        try (Connection c = DriverManager.getConnection(args[0], args[1], args[2]);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(args[3])) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder line = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    if (i > 1) {
                        line.append('\t');
                    }
                    line.append(rs.getString(i));
                }
                System.out.println(line);
            }
        }
    }
}
