// Limits: messages over --max-message-bytes are refused before any handler
// runs; callers over the per-user or per-address rate get
// RESOURCE_EXHAUSTED (429 over REST), others are unaffected.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/blackbox/db_inspect.h"
#include "tests/blackbox/rest_client.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

TEST(BlackboxLimits, OversizedMessagesAreRefused) {
  ServerProcess server(
      ServerOptions().WithArgs({"--max-message-bytes", "1024"}));
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  {
    UsersClient client(server.NewChannel());
    const std::string auth = Bearer(client.SignUp("ivan"));

    v1::UpdateMeRequest update;
    update.mutable_user()->set_display_name(std::string(4096, 'x'));
    update.mutable_update_mask()->add_paths("display_name");
    EXPECT_CODE(client.UpdateMe(auth, update), RESOURCE_EXHAUSTED);

    v1::RegisterRequest big;
    big.set_username("judy");
    big.set_password(kPassword);
    big.set_display_name(std::string(4096, 'x'));
    EXPECT_CODE(client.Register(big), RESOURCE_EXHAUSTED);

    // The server is fine and nothing changed.
    v1::User me;
    ASSERT_CODE(client.GetMe(auth, &me), OK);
    EXPECT_EQ(me.display_name(), "ivan");
    EXPECT_CODE(client.Login("judy", kPassword), UNAUTHENTICATED);
  }  // the client leaves before the server stops (see ServerProcess::Stop)
  ASSERT_EQ(server.Stop(SIGTERM), 0) << server.StderrText();
  EXPECT_EQ(CountRows(server.db_path(), "users_accounts"), 1);
  EXPECT_EQ(CountRows(server.db_path(), "events"), 1);
}

TEST(BlackboxLimits, RateLimitsPerUserAndPerAddress) {
  // Slow refills: a test of a few hundred milliseconds sees bursts only.
  ServerProcess server(ServerOptions().WithArgs(
      {"--user-rate", "0.01", "--user-burst", "3", "--address-rate", "0.01",
       "--address-burst", "12"}));
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  {
    UsersClient client(server.NewChannel());
    // Two sign-ups: 4 calls from this address.
    const std::string ann = Bearer(client.SignUp("ann"));
    const std::string bob = Bearer(client.SignUp("bob"));
    v1::User me;
    for (int i = 0; i < 3; ++i) ASSERT_CODE(client.GetMe(ann, &me), OK);
    grpc::Status limited = client.GetMe(ann, &me);
    EXPECT_CODE(limited, RESOURCE_EXHAUSTED);
    EXPECT_NE(limited.error_message().find("rate limit"), std::string::npos)
        << limited.error_message();
    // Bob has his own bucket (8 calls from the address so far).
    ASSERT_CODE(client.GetMe(bob, &me), OK);
    // REST shares the limits and says 429 with a Status body.
    RestClient rest(server.http_port());
    RestResponse r = rest.Get("/v1/users/me", {{"Authorization", ann}});
    EXPECT_EQ(r.status, 429) << r.Describe();
    EXPECT_EQ(r.json["code"], 8);
    // The address's burst of 12 runs out, for anonymous callers too.
    int refused = 0;
    for (int i = 0; i < 5; ++i) {
      grpc::Status s = client.Login("nobody", kPassword);
      if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) ++refused;
    }
    EXPECT_GE(refused, 3);
    EXPECT_TRUE(server.WaitForStderr("code=RESOURCE_EXHAUSTED"));
  }
  ASSERT_EQ(server.Stop(SIGTERM), 0) << server.StderrText();
}

TEST(BlackboxLimits, CallsQueuedPastTheDefaultDeadlineAreNotRun) {
  // One worker and a 1 ms deadline: of 40 sign-ups sent at once, those
  // queued behind the others wait longer than that.
  ServerProcess server(
      ServerOptions().WithArgs({"--rpc-threads", "1", "--default-deadline",
                                "0.001", "--address-rate", "0"}));
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  std::atomic<int> ok{0}, late{0};
  {
    auto channel = server.NewChannel();
    std::vector<std::thread> clients;
    for (int i = 0; i < 40; ++i) {
      clients.emplace_back([&, i] {
        grpc::Status s =
            UsersClient(channel).Register(absl::StrCat("user", i), kPassword);
        if (s.ok()) {
          ++ok;
        } else {
          EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
              << s.error_message();
          EXPECT_NE(s.error_message().find("overloaded"), std::string::npos);
          ++late;
        }
      });
    }
    for (auto& c : clients) c.join();
  }
  EXPECT_GE(late.load(), 1);
  ASSERT_EQ(server.Stop(SIGTERM), 0) << server.StderrText();
  // What timed out was never done.
  EXPECT_EQ(CountRows(server.db_path(), "users_accounts"), ok.load());
}

}  // namespace
}  // namespace rentwave::blackbox
