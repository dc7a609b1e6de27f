// Messages over --max-message-bytes are refused before any handler runs.
#include <gtest/gtest.h>

#include "tests/blackbox/db_inspect.h"
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

}  // namespace
}  // namespace rentwave::blackbox
