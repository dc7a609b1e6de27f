// Secrets never leave the server: a scenario over gRPC and REST with the
// most verbose logging, then the server's whole output, the answers it gave
// and its event log are searched for the passwords, tokens and token secret
// that were used.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rentwave/v1/events.grpc.pb.h"
#include "tests/blackbox/rest_client.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

constexpr char kSecretPassword[] = "Sw0rdfish-and-chips-4-tea";
constexpr char kWrongPassword[] = "n0t-my-passw0rd-at-all";

TEST(BlackboxSecrets, NeverInLogsAnswersOrEvents) {
  ServerOptions options =
      ServerOptions().WithArgs({"--admins", "sam", "--dev-clock"});
  options.log_level = "trace";
  ServerProcess server(options);
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  std::vector<std::string> secrets = {kSecretPassword, kWrongPassword,
                                      kTokenSecret};
  std::string answers;  // every error message and response we got
  {
    UsersClient users(server.NewChannel());
    ASSERT_CODE(users.Register("sam", kSecretPassword), OK);
    v1::LoginResponse login;
    ASSERT_CODE(users.Login("sam", kSecretPassword, &login), OK);
    const std::string token = login.access_token();
    secrets.push_back(token);
    // The signature alone is secret too.
    secrets.push_back(token.substr(token.rfind('.') + 1));
    const std::string auth = Bearer(token);
    answers += users.Login("sam", kWrongPassword).error_message();
    answers += users.Register("sam", kSecretPassword).error_message();
    answers += users.GetMe(Bearer(token + "x")).error_message();
    answers +=
        users.GetMe("Bearer " + std::string(kWrongPassword)).error_message();
    v1::User me;
    ASSERT_CODE(users.GetMe(auth, &me), OK);
    answers += me.DebugString();

    RestClient rest(server.http_port());
    RestResponse r = rest.Post(
        "/v1/auth:login", {{"username", "sam"}, {"password", kSecretPassword}});
    ASSERT_EQ(r.status, 200) << r.Describe();
    const std::string rest_token = r.json["accessToken"];
    secrets.push_back(rest_token);
    answers += rest.Post("/v1/auth:login",
                         {{"username", "sam"}, {"password", kWrongPassword}})
                   .body;
    answers += rest.Get("/v1/users/me",
                        {{"Authorization", "Bearer " + rest_token + "x"}})
                   .body;
    answers += rest.Post("/v1/users",
                         {{"username", "x"}, {"password", kWrongPassword}})
                   .body;
    answers +=
        rest.Post("/v1/wallet:deposit",
                  {{"requestId", "d1"},
                   {"amount", {{"amountMinor", "500"}, {"currency", "USD"}}}},
                  {{"Authorization", "Bearer " + rest_token}})
            .body;
    ASSERT_CODE(users.Logout(auth), OK);
    answers += users.GetMe(auth).error_message();

    auto events = v1::Events::NewStub(server.NewChannel());
    v1::ListEventsRequest list;
    list.set_page_size(1000);
    v1::ListEventsResponse page;
    ASSERT_CODE(Call(*events, &v1::Events::Stub::ListEvents, Bearer(rest_token),
                     list, &page),
                OK);
    EXPECT_GE(page.events_size(), 3);  // registered, deposited, logged out
    answers += page.DebugString();
  }
  ASSERT_EQ(server.Stop(SIGTERM), 0);
  const std::string output = server.StdoutText() + server.StderrText();
  EXPECT_NE(output.find("rpc /rentwave.v1.Users/Login"), std::string::npos)
      << "the scenario's calls were not logged at all";
  for (const std::string& secret : secrets) {
    ASSERT_GE(secret.size(), 20u);
    EXPECT_EQ(output.find(secret), std::string::npos)
        << "in the server's output: " << secret;
    EXPECT_EQ(answers.find(secret), std::string::npos)
        << "in an answer: " << secret;
  }
}

}  // namespace
}  // namespace rentwave::blackbox
