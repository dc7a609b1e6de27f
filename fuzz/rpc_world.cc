#include "rpc_world.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "app/config.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/timestamp.pb.h"
#include "modules/platform/event_log.h"
#include "modules/rentals/rentals.h"
#include "modules/wallet/wallet.h"
#include "rpc_calls.h"
#include "rpc_input.h"

namespace rentwave::fuzz {
namespace {

namespace fs = std::filesystem;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Calls `fn(field, index)` for every string field value of `message` and
// the messages in it (index -1 for a singular field), and `ts(timestamp)`
// for every google.protobuf.Timestamp in it.
template <typename StringFn, typename TimestampFn>
void Walk(Message* message, const StringFn& fn, const TimestampFn& ts) {
  const Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          std::string value = reflection->GetRepeatedString(*message, field, i);
          if (fn(&value)) {
            reflection->SetRepeatedString(message, field, i, value);
          }
        }
      } else {
        std::string value = reflection->GetString(*message, field);
        if (fn(&value)) reflection->SetString(message, field, value);
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      const bool is_timestamp =
          field->message_type()->full_name() == "google.protobuf.Timestamp";
      auto visit = [&](Message* child) {
        if (is_timestamp) {
          ts(child);
        } else {
          Walk(child, fn, ts);
        }
      };
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          visit(reflection->MutableRepeatedMessage(message, field, i));
        }
      } else {
        visit(reflection->MutableMessage(message, field));
      }
    }
  }
}

}  // namespace

World& World::Get() {
  // Never destroyed: the server's threads outlive static destruction.
  // AtExit shuts it down first.
  static World* const world = new World();
  return *world;
}

void World::Run(const uint8_t* data, size_t size) {
  const MethodDescriptor* method =
      methods_[(size > 0 ? data[0] : 0) % methods_.size()];
  const uint8_t flags = size > 1 ? data[1] : 0;
  const absl::string_view body(
      reinterpret_cast<const char*>(data) + std::min<size_t>(size, 2),
      size - std::min<size_t>(size, 2));
  const int caller = flags & 3;
  std::string token = tokens_[caller];
  if ((flags & kTamperFlag) != 0) token = Tamper(token);

  std::unique_ptr<Message> request(Prototype(method->input_type()).New());
  // What does not parse keeps the fields before the error, and is sent
  // as such unless the raw flag says to send the bytes themselves.
  const bool raw = !request->ParseFromArray(body.data(), body.size()) &&
                   (flags & kRawFlag) != 0;
  std::string wire(body);
  if (!raw) {
    Substitute(request.get(), (flags & kRelativeTimeFlag) != 0);
    Check(request->SerializeToString(&wire), "cannot serialize",
          request->ShortDebugString());
  }
  // Whether the server will parse it (a string that is not UTF-8 fails).
  const bool parsed =
      std::unique_ptr<Message>(request->New())->ParseFromString(wire);

  const grpc::Status status =
      method->server_streaming()
          ? CallStream(*stub_, method, token, wire)
          : CallUnary(*stub_, method, token, wire, nullptr);
  if (verbose_) {
    std::fprintf(stderr, "rpc_fuzzer: %s as %s%s -> %s %s\n",
                 PathOf(method).c_str(),
                 caller == 0 ? "anonymous" : kUsernames[caller],
                 (flags & kTamperFlag) != 0 ? " (tampered token)" : "",
                 CodeName(status.error_code()), status.error_message().c_str());
  }
  CheckStatus(method, caller, flags, parsed, request.get(), status);
  ++codes_[method][status.error_code()];

  // Calls that end the fixture's sessions (Logout revokes a token,
  // Advance may expire them all) get fresh tokens for the next input.
  if (method->name() == "Logout" || method->name() == "Advance" ||
      (status.error_code() == grpc::StatusCode::UNAUTHENTICATED &&
       caller != 0 && (flags & kTamperFlag) == 0)) {
    LoginAll();
  }
  if (++runs_ % kVerifyEvery == 0) Verify();
}

void World::AtExit() {
  if (server_ == nullptr) return;
  if (std::getenv("RPC_FUZZER_STATS") != nullptr) PrintStats();
  Verify();
  server_->Shutdown();
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

World::World() : clock_(absl::FromUnixSeconds(kStartSeconds)) {
  // Debian's abseil checks every mutex acquisition for lock-order cycles
  // unless told not to (app/main.cc does the same).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Parsing invalid UTF-8 logs an error per call; the fuzzer does that a
  // lot, and both sides of every call are in this process.
  google::protobuf::SetLogHandler(nullptr);
  // Synchronous, so that what the server logs before an abort is seen;
  // errors only (no access log).
  auto logger = spdlog::stderr_logger_mt("rpc_fuzzer");
  logger->set_level(spdlog::level::err);
  spdlog::set_default_logger(logger);

  methods_ = Methods();
  verbose_ = std::getenv("RPC_FUZZER_VERBOSE") != nullptr;
  // A RAM disk when there is one: the database is scratch.
  const std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  RemoveStaleDirs(base);
  const std::string pattern =
      absl::StrCat(base, "/rpc_fuzzer-", getpid(), "-XXXXXX");
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  Check(mkdtemp(buf.data()) != nullptr, "mkdtemp failed", pattern);
  dir_ = buf.data();

  rentwave::app::Config config;
  config.db_path = dir_ + "/rentwave.db";
  config.grpc_listen = "unix:" + dir_ + "/grpc.sock";
  config.http_listen = "127.0.0.1:0";
  config.log_level = "error";
  config.password_cost = "minimum";
  config.db_synchronous = "normal";
  config.token_ttl_seconds = 30 * 86400;
  config.http_threads = 1;
  config.rpc_threads = 4;
  config.shutdown_grace_seconds = 1;
  config.user_rate = 0;  // rate limits off
  config.user_burst = 0;
  config.address_rate = 0;
  config.address_burst = 0;
  config.admins = {kUsernames[3]};
  config.dev_clock = true;
  auto server = rentwave::app::Server::Start(config, clock_, &clock_);
  Check(server.ok(), "Server::Start failed", server.status().ToString());
  server_ = *std::move(server);
  channel_ = grpc::CreateChannel(config.grpc_listen,
                                 grpc::InsecureChannelCredentials());
  stub_ = std::make_unique<grpc::GenericStub>(channel_);

  rentwave::platform::DatabaseOptions options;
  options.path = config.db_path;
  options.read_connections = 1;
  options.read_only = true;
  auto db = rentwave::platform::Database::Open(options);
  Check(db.ok(), "cannot open the database to verify", db.status().ToString());
  verify_db_ = *std::move(db);

  MakeFixture();
  std::atexit([] { Get().AtExit(); });
}

void World::RemoveStaleDirs(const std::string& base) {
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(base, error)) {
    const std::string name = entry.path().filename().string();
    int pid = 0;
    if (std::sscanf(name.c_str(), "rpc_fuzzer-%d-", &pid) != 1 || pid <= 0) {
      continue;
    }
    // ESRCH: no such process (EPERM would be someone else's, alive).
    if (kill(pid, 0) != 0 && errno == ESRCH) {
      fs::remove_all(entry.path(), error);
    }
  }
}

void World::CheckStatus(const MethodDescriptor* method, int caller,
                        uint8_t flags, bool parsed, const Message* request,
                        const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNIMPLEMENTED:
      // Bytes that do not parse never reach RentWave's code: gRPC's
      // callback API answers them itself, with UNIMPLEMENTED and no
      // message (grpcpp/impl/codegen/server_callback_handlers.h; INTERNAL
      // in other gRPC versions and APIs).
      if (!parsed && status.error_message().empty()) return;
      break;
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      break;
    default:
      return;
  }
  Fail(absl::StrCat(PathOf(method), " as ",
                    caller == 0 ? "anonymous" : kUsernames[caller],
                    (flags & kTamperFlag) != 0 ? " (tampered token)" : "",
                    " -> ", CodeName(status.error_code()), " '",
                    status.error_message(), "'; request"),
       parsed ? request->ShortDebugString() : "(does not parse)");
}

std::string World::Tamper(std::string token) {
  if (token.empty()) return "not-a-token";
  token.back() = token.back() == 'A' ? 'B' : 'A';
  return token;
}

void World::Substitute(Message* request, bool relative_time) {
  const int64_t now = absl::ToUnixSeconds(clock_.Now());
  Walk(
      request,
      [this](std::string* value) {
        if (value->find('$') == std::string::npos) return false;
        *value = absl::StrReplaceAll(*value, placeholders_);
        return true;
      },
      [&](Message* timestamp) {
        if (!relative_time) return;
        auto* ts = static_cast<google::protobuf::Timestamp*>(timestamp);
        int64_t seconds;
        if (!__builtin_add_overflow(ts->seconds(), now, &seconds)) {
          ts->set_seconds(seconds);
        }
      });
}

void World::PrintStats() const {
  std::fprintf(stderr, "rpc_fuzzer: %lld inputs; calls by method and code:\n",
               static_cast<long long>(runs_));
  for (const MethodDescriptor* method : methods_) {
    std::string line;
    auto it = codes_.find(method);
    if (it != codes_.end()) {
      for (const auto& [code, n] : it->second) {
        absl::StrAppend(&line, " ", CodeName(code), "=", n);
      }
    }
    std::fprintf(stderr, "  %s%s\n", PathOf(method).c_str(), line.c_str());
  }
}

void World::Verify() {
  std::vector<std::string> problems;
  auto ledger = rentwave::wallet::VerifyLedger(*verify_db_);
  auto events = rentwave::platform::VerifyEventLog(*verify_db_);
  auto rentals = rentwave::rentals::VerifyRentals(*verify_db_);
  for (const absl::Status& failed :
       {ledger.status(), events.status(), rentals.status()}) {
    Check(failed.ok(), "verify could not run", failed.ToString());
  }
  for (const rentwave::wallet::LedgerProblem& p : *ledger) {
    problems.push_back(absl::StrCat("ledger: ", p.account, ": ", p.what));
  }
  problems.insert(problems.end(), events->begin(), events->end());
  problems.insert(problems.end(), rentals->begin(), rentals->end());
  for (const std::string& p : problems) {
    std::fprintf(stderr, "rpc_fuzzer: verify: %s\n", p.c_str());
  }
  Check(problems.empty(),
        absl::StrCat("the database is inconsistent after ", runs_, " inputs"),
        problems.empty() ? "" : problems.front());
}

}  // namespace rentwave::fuzz
