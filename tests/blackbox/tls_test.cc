// TLS on both listeners (--tls-cert/--tls-key) against the real binary, with
// a certificate made by openssl at test time: gRPC and HTTPS clients that
// trust it get through, plaintext clients do not, `healthcheck` speaks TLS,
// and a key that does not match its certificate stops the server at start.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <string>

#include "tests/blackbox/process.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

// A self-signed certificate for localhost and 127.0.0.1 in `dir`:
// <name>.crt and <name>.key.
void MakeCertificate(const TempDir& dir, const std::string& name) {
  RunResult made =
      RunProgram({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048",
                  "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext",
                  "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
                  dir.File(name + ".key"), "-out", dir.File(name + ".crt")});
  ASSERT_EQ(made.exit_code, 0) << made.err;
}

std::vector<std::string> TlsArgs(const TempDir& dir, const std::string& cert,
                                 const std::string& key) {
  return {"--tls-cert", dir.File(cert + ".crt"), "--tls-key",
          dir.File(key + ".key")};
}

class BlackboxTls : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeCertificate(certs_, "server");
    server_ = std::make_unique<ServerProcess>(
        ServerOptions().WithArgs(TlsArgs(certs_, "server", "server")));
    ASSERT_TRUE(server_->Start().ok()) << server_->StderrText();
  }

  std::shared_ptr<grpc::Channel> TlsChannel() const {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(certs_.File("server.crt"));
    return grpc::CreateChannel("localhost:" + std::to_string(server_->port()),
                               grpc::SslCredentials(ssl));
  }

  TempDir certs_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(BlackboxTls, GrpcClientsThatTrustTheCertificateGetThrough) {
  UsersClient users(TlsChannel());
  std::string user_id;
  EXPECT_FALSE(users.SignUp("tina", &user_id).empty());
  // A plaintext client cannot even connect.
  auto plain = v1::Users::NewStub(server_->NewChannel());
  v1::GetMeRequest request;
  v1::User me;
  grpc::Status status = plain->GetMe(NewContext("").get(), request, &me);
  EXPECT_CODE(status, UNAVAILABLE);
}

TEST_F(BlackboxTls, HttpsForClientsThatTrustTheCertificate) {
  httplib::SSLClient https("127.0.0.1", server_->http_port());
  https.set_ca_cert_path(certs_.File("server.crt").c_str());
  https.enable_server_certificate_verification(true);
  auto ok = https.Get("/readyz");
  ASSERT_TRUE(ok) << httplib::to_string(ok.error());
  EXPECT_EQ(ok->status, 200);
  // Untrusted (no CA given): the handshake fails.
  httplib::SSLClient untrusted("127.0.0.1", server_->http_port());
  untrusted.enable_server_certificate_verification(true);
  EXPECT_FALSE(untrusted.Get("/readyz"));
  // Plain HTTP gets no HTTP answer.
  httplib::Client plain("127.0.0.1", server_->http_port());
  plain.set_read_timeout(5, 0);
  auto refused = plain.Get("/readyz");
  EXPECT_TRUE(!refused || refused->status != 200);
}

TEST_F(BlackboxTls, HealthcheckSpeaksTls) {
  const std::string target = "127.0.0.1:" + std::to_string(server_->port());
  RunResult tls = RunProgram({BinaryPath(), "healthcheck", "--grpc-listen",
                              target, "--tls-cert", certs_.File("server.crt"),
                              "--tls-key", certs_.File("server.key")});
  EXPECT_EQ(tls.exit_code, 0) << tls.err;
  RunResult plain =
      RunProgram({BinaryPath(), "healthcheck", "--grpc-listen", target});
  EXPECT_EQ(plain.exit_code, 1) << plain.err;
}

TEST(BlackboxTlsStartup, AKeyThatDoesNotMatchItsCertificateStopsTheServer) {
  TempDir certs;
  MakeCertificate(certs, "one");
  MakeCertificate(certs, "two");
  ServerProcess server(ServerOptions().WithArgs(TlsArgs(certs, "one", "two")));
  EXPECT_FALSE(server.Start().ok());
  EXPECT_EQ(server.exit_code().value_or(-1), 1);
  EXPECT_NE(server.StderrText().find("does not match the certificate"),
            std::string::npos)
      << server.StderrText();
  // Nor does a certificate file that is not one.
  {
    std::ofstream(certs.File("junk.crt")) << "not a certificate\n";
    ServerProcess junk(
        ServerOptions().WithArgs({"--tls-cert", certs.File("junk.crt"),
                                  "--tls-key", certs.File("one.key")}));
    EXPECT_FALSE(junk.Start().ok());
    EXPECT_NE(junk.StderrText().find("is not a PEM certificate chain"),
              std::string::npos)
        << junk.StderrText();
  }
  // Half a configuration is refused by the flag parser.
  RunResult half =
      RunProgram({BinaryPath(), "serve", "--tls-cert", certs.File("one.crt")});
  EXPECT_NE(half.exit_code, 0);
  EXPECT_NE(half.err.find("--tls-key"), std::string::npos) << half.err;
}

}  // namespace
}  // namespace rentwave::blackbox
