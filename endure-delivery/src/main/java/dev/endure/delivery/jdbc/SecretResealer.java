package dev.endure.delivery.jdbc;

import dev.endure.delivery.crypto.SecretCipher;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Rewrites endpoints' signing keys that are in clear or sealed under an older key, under the current key. */
final class SecretResealer {

    private SecretResealer() {}

    static int reseal(Connection connection, SecretCipher cipher) throws SQLException {
        Map<String, String> stale = new LinkedHashMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT id, signing_keys FROM endure_endpoint FOR UPDATE");
                ResultSet row = select.executeQuery()) {
            while (row.next()) {
                if (!cipher.sealedWithCurrent(row.getString(2))) {
                    stale.put(row.getString(1), row.getString(2));
                }
            }
        }
        try (PreparedStatement update = connection.prepareStatement("UPDATE endure_endpoint SET signing_keys = ? WHERE id = ?")) {
            for (Map.Entry<String, String> entry : stale.entrySet()) {
                update.setString(1, cipher.seal(cipher.open(entry.getValue(), entry.getKey()), entry.getKey()));
                update.setString(2, entry.getKey());
                update.addBatch();
            }
            if (!stale.isEmpty()) {
                update.executeBatch();
            }
        }
        return stale.size();
    }
}
