package dev.endure.delivery.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretCipherTest {

    @Test
    void sealsWithANewNonceEachTimeAndOpensWithTheContextItWasSealedFor() {
        SecretCipher cipher = SecretCipher.parse(SecretCipher.newKeyText());
        String one = cipher.seal("whsec_abc", "ep_1");
        assertThat(one).isNotEqualTo(cipher.seal("whsec_abc", "ep_1")).startsWith("enc:v1:" + cipher.currentKeyId() + ":");
        assertThat(cipher.open(one, "ep_1")).isEqualTo("whsec_abc");
        assertThatThrownBy(() -> cipher.open(one, "ep_2")).hasMessageContaining("altered or moved");
        assertThat(cipher.open("whsec_clear|", "ep_1")).isEqualTo("whsec_clear|");
    }

    @Test
    void badKeysAreNamedByPositionNeverByText() {
        String good = SecretCipher.newKeyText();
        assertThatThrownBy(() -> SecretCipher.parse(good + ",c2hvcnQ=")).hasMessage("encryption key 2 must be base64 of 32 bytes, not 5");
        assertThatThrownBy(() -> SecretCipher.parse("not*base64")).hasMessage("encryption key 1 is not base64");
        assertThatThrownBy(() -> SecretCipher.parse(" \n# only a comment\n")).hasMessageContaining("no encryption key given");
    }

    @Test
    void aKeyFileIsCreatedOnceAndReadAfterwards(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data/secret.key");
        SecretCipher created = SecretCipher.readOrCreateFile(file);
        assertThat(SecretCipher.readOrCreateFile(file).currentKeyId()).isEqualTo(created.currentKeyId());
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        assertThat(created.toString()).doesNotContain(Files.readString(file).lines().filter(l -> !l.startsWith("#")).findFirst().orElseThrow());
    }
}
