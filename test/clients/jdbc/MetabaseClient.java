// MetabaseClient drives pgjdbc the way Metabase does when it connects to a
// PostgreSQL database and syncs it, and prints what it saw, one fact per
// line, tab-separated, for test/clients_test.go to check:
//
//   <step>\t<field>...        a result of a step
//   error\t<step>\t<SQLSTATE>\t<message>
//   done\t<step>              the step ran to its end
//
// Every step runs even when an earlier one failed, so one missing feature
// of the gateway shows up as one failing step.
//
// Usage: java -cp <dir>:postgresql.jar MetabaseClient <jdbc-url> [<query>...]
//
// Each query is run as a query-builder question runs (a PreparedStatement)
// and printed as builder\t<n>\t<column type names>\t<value>...

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

public class MetabaseClient {
  interface Step {
    void run() throws SQLException;
  }

  static Connection conn;

  static void out(String... fields) {
    System.out.println(String.join("\t", fields).replace("\n", " "));
  }

  static void step(String name, Step s) {
    try {
      s.run();
      out("done", name);
    } catch (SQLException e) {
      out("error", name, String.valueOf(e.getSQLState()), String.valueOf(e.getMessage()));
      // Leave the connection usable for the next step, as Metabase's pool
      // does when it hands a connection back.
      try {
        if (!conn.getAutoCommit()) {
          conn.rollback();
          conn.setAutoCommit(true);
        }
      } catch (SQLException ignored) {
        // The next step reports what is still wrong.
      }
    } catch (RuntimeException e) {
      out("error", name, "java", e.toString());
    }
  }

  static String str(ResultSet rs, String col) throws SQLException {
    String v = rs.getString(col);
    return v == null ? "NULL" : v;
  }

  public static void main(String[] args) throws Exception {
    String url = args[0];
    try {
      conn = DriverManager.getConnection(url);
    } catch (SQLException e) {
      out("error", "connect", String.valueOf(e.getSQLState()), String.valueOf(e.getMessage()));
      return;
    }
    out("done", "connect");

    // Metabase's connection set-up.
    step("settings", () -> {
      try (Statement st = conn.createStatement()) {
        st.execute("SET extra_float_digits = 3");
        st.execute("SET application_name = 'Metabase v0.50.0 [pgdynamo-test]'");
        try (ResultSet rs = st.executeQuery("SHOW application_name")) {
          rs.next();
          out("settings", "application_name", rs.getString(1));
        }
      }
    });
    step("isolation", () -> {
      // pgjdbc sends SHOW TRANSACTION ISOLATION LEVEL and SET SESSION
      // CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED.
      out("isolation", "before", String.valueOf(conn.getTransactionIsolation()));
      conn.setTransactionIsolation(Connection.TRANSACTION_READ_UNCOMMITTED);
      out("isolation", "set", String.valueOf(Connection.TRANSACTION_READ_UNCOMMITTED));
    });
    step("timezone", () -> {
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("show timezone")) {
        rs.next();
        out("timezone", rs.getString(1));
      }
    });
    step("server", () -> {
      DatabaseMetaData md = conn.getMetaData();
      out("server", md.getDatabaseProductName(), md.getDatabaseProductVersion(), md.getDriverVersion());
    });

    // Metabase's sync through DatabaseMetaData.
    step("schemas", () -> {
      try (ResultSet rs = conn.getMetaData().getSchemas()) {
        while (rs.next()) {
          out("schema", str(rs, "TABLE_SCHEM"));
        }
      }
    });
    step("tables", () -> {
      String[] types = {"TABLE", "PARTITIONED TABLE", "VIEW", "FOREIGN TABLE", "MATERIALIZED VIEW"};
      try (ResultSet rs = conn.getMetaData().getTables(null, "public", "%", types)) {
        while (rs.next()) {
          out("table", str(rs, "TABLE_SCHEM"), str(rs, "TABLE_NAME"), str(rs, "TABLE_TYPE"));
        }
      }
    });
    for (String table : new String[] {"people", "visits"}) {
      step("columns " + table, () -> {
        try (ResultSet rs = conn.getMetaData().getColumns(null, "public", table, null)) {
          while (rs.next()) {
            out("column", str(rs, "TABLE_NAME"), str(rs, "COLUMN_NAME"), str(rs, "TYPE_NAME"),
                str(rs, "DATA_TYPE"), str(rs, "ORDINAL_POSITION"), str(rs, "IS_NULLABLE"));
          }
        }
      });
      step("primary key " + table, () -> {
        try (ResultSet rs = conn.getMetaData().getPrimaryKeys(null, "public", table)) {
          while (rs.next()) {
            out("pk", str(rs, "TABLE_NAME"), str(rs, "COLUMN_NAME"), str(rs, "KEY_SEQ"));
          }
        }
      });
    }

    // A parameterised query run often enough that pgjdbc switches to a
    // named server-side statement (S_n) and binary results (prepareThreshold 5).
    step("prepared", () -> {
      String sql = "SELECT id, name, age, active, joined, score FROM people WHERE id = ?";
      try (PreparedStatement ps = conn.prepareStatement(sql)) {
        for (int run = 1; run <= 7; run++) {
          long id = 10L * run + 1;
          ps.setLong(1, id);
          boolean server = ps.unwrap(org.postgresql.PGStatement.class).isUseServerPrepare();
          try (ResultSet rs = ps.executeQuery()) {
            int n = 0;
            while (rs.next()) {
              n++;
              double score = rs.getDouble("score");
              String scoreText = rs.wasNull() ? "NULL" : Double.toString(score);
              out("prepared", String.valueOf(run), String.valueOf(server), String.valueOf(rs.getLong("id")),
                  rs.getString("name"), String.valueOf(rs.getLong("age")), String.valueOf(rs.getBoolean("active")),
                  String.valueOf(rs.getDate("joined")), scoreText);
            }
            if (n == 0) {
              out("prepared", String.valueOf(run), String.valueOf(server), "no rows");
            }
          }
        }
      }
    });

    // Metabase reads big tables with a fetch size inside a transaction:
    // a named portal, Execute with a row limit, PortalSuspended.
    step("fetch", () -> {
      conn.setAutoCommit(false);
      List<String> ids = new ArrayList<>();
      try (Statement st = conn.createStatement()) {
        st.setFetchSize(10);
        try (ResultSet rs = st.executeQuery("SELECT id, name FROM people ORDER BY id")) {
          while (rs.next()) {
            ids.add(String.valueOf(rs.getLong(1)));
          }
        }
      }
      conn.commit();
      conn.setAutoCommit(true);
      out("fetch", String.valueOf(ids.size()), String.join(",", ids));
    });

    // Metabase tells a missing table (42P01) from other failures.
    step("missing table", () -> {
      try (Statement st = conn.createStatement()) {
        st.executeQuery("SELECT * FROM no_such_table").close();
        out("missing", "no error");
      } catch (SQLException e) {
        out("missing", String.valueOf(e.getSQLState()));
      }
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM visits")) {
        rs.next();
        out("after error", String.valueOf(rs.getLong(1)));
      }
    });

    // Query-builder questions: every column qualified by schema and table,
    // CAST, DATE_TRUNC, EXTRACT and binning expressions.
    for (int q = 1; q < args.length; q++) {
      String sql = args[q];
      String n = String.valueOf(q);
      step("builder " + n, () -> {
        try (PreparedStatement ps = conn.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
          java.sql.ResultSetMetaData md = rs.getMetaData();
          List<String> types = new ArrayList<>();
          for (int i = 1; i <= md.getColumnCount(); i++) {
            types.add(md.getColumnTypeName(i));
          }
          while (rs.next()) {
            List<String> row = new ArrayList<>();
            row.add("builder");
            row.add(n);
            row.add(String.join(",", types));
            for (int i = 1; i <= md.getColumnCount(); i++) {
              String v = rs.getString(i);
              row.add(v == null ? "NULL" : v);
            }
            out(row.toArray(new String[0]));
          }
        }
      });
    }

    conn.close();
    out("done", "close");
  }
}
