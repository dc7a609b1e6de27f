// libFuzzer target: one RPC through the whole server. A real app::Server
// (every module, the RpcGate, the late-fee timer, the development clock)
// runs once per process on a temporary database; each input is one call to
// one rentwave.v1 method, over gRPC on a Unix socket, as one of a few
// callers.
//
// Input format:
//
//   byte 0   the method: an index into every method of every service in
//            proto/rentwave/v1/*.proto, sorted by full name
//            ("/rentwave.v1.DevClock/Advance" first), modulo their number.
//            New RPCs are covered without a change here (make_corpus_rpc.py
//            recomputes the seeds' indexes).
//   byte 1   flags: bits 0-1 the caller (0 anonymous, 1 the owner, 2 the
//            renter, 3 the admin); bit 2 a tampered token instead of the
//            caller's; bit 3 every google.protobuf.Timestamp in the request
//            is relative to the server's (development) clock; bit 4 raw:
//            send bytes that do not parse as they are. Other bits are
//            ignored.
//   rest     the request message, protobuf wire format.
//
// The rest is parsed as the method's request type (what does not parse
// keeps the fields before the error), placeholders in its string fields are
// replaced by the ids of what the fixture made at startup (see
// World::MakeFixture: $OWNER, $RENTER, $ADMIN user ids; $BIKE, $BOOK
// listings; $ACTIVE, $FUTURE rentals; $DEPOSIT a transaction; $NOTE a
// notification) and the message is sent re-serialized. With the raw flag,
// bytes that do not parse are sent as they are: the server must refuse
// them cleanly.
//
// Most byte-level mutations break the wire format, so the target has a
// custom mutator (LLVMFuzzerCustomMutator): two times in three it parses
// the input and changes one field of the request through reflection
// (rpc_mutator.h), with values the handlers' checks care about.
// Server-streaming methods are opened, then cancelled once the server has
// either accepted (initial metadata carrying platform::kStreamOpenKey) or
// refused them.
//
// The server's state carries over from input to input (as it would in
// production), so an input found by libFuzzer may need those before it to
// fail again; the replay binary runs a directory in sorted order.
//
// Besides crashes and sanitizer reports, the target aborts when:
//   - a call ends with INTERNAL or UNKNOWN (an unexpected exception or
//     SQLite error in a handler), or DATA_LOSS, UNIMPLEMENTED (a declared
//     RPC that is not served), UNAVAILABLE (nothing here may fail to write)
//     or DEADLINE_EXCEEDED (a hang). The one exception: a request that does
//     not parse gets UNIMPLEMENTED (or INTERNAL) with no message from gRPC
//     itself before any RentWave code runs, which is accepted;
//   - every kVerifyEvery inputs and at exit: the invariants `rentwave
//     verify` checks (wallet::VerifyLedger, rentals::VerifyRentals,
//     platform::VerifyEventLog) fail on the server's database.
//
// Environment: RPC_FUZZER_VERBOSE=1 prints every call and its status;
// RPC_FUZZER_STATS=1 prints, at exit, how often each method answered with
// each status code.
#include <dirent.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "app/config.h"
#include "app/server.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/live_stream.h"
#include "modules/rentals/rentals.h"
#include "modules/wallet/wallet.h"
#include "rentwave/v1/listings.pb.h"
#include "rentwave/v1/notifications.pb.h"
#include "rentwave/v1/rentals.pb.h"
#include "rentwave/v1/users.pb.h"
#include "rentwave/v1/wallet.pb.h"
#include "rpc_mutator.h"

namespace {

namespace fs = std::filesystem;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::Reflection;

// How often (in inputs) the database invariants are checked while fuzzing;
// they are checked at exit too.
constexpr int kVerifyEvery = 500;
// Longer than any call may take; libFuzzer's -timeout usually fires first.
constexpr auto kCallDeadline = std::chrono::seconds(30);
// The fixture's users; kUsernames[i] is caller i (0 is anonymous).
constexpr const char* kUsernames[] = {"", "fz_owner", "fz_renter", "fz_admin"};
constexpr char kPassword[] = "fuzz-password-1";
constexpr int64_t kStartSeconds = 1700000000;  // the development clock's start
// Byte 1 of an input: bits 0-1 the caller, then these.
constexpr uint8_t kTamperFlag = 4;
constexpr uint8_t kRelativeTimeFlag = 8;
constexpr uint8_t kRawFlag = 16;

// Reports a broken promise the way libFuzzer recognizes: a crash.
[[noreturn]] void Fail(absl::string_view what, absl::string_view detail = "") {
  constexpr size_t kMaxDetail = 600;
  std::fprintf(stderr, "rpc_fuzzer: %.*s: %s%s\n",
               static_cast<int>(what.size()), what.data(),
               absl::CHexEscape(detail.substr(0, kMaxDetail)).c_str(),
               detail.size() > kMaxDetail ? "..." : "");
  std::fflush(stderr);
  std::abort();
}

void Check(bool ok, absl::string_view what, absl::string_view detail = "") {
  if (!ok) Fail(what, detail);
}

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i <= 16 ? kNames[i] : "?";
}

// Every method of every service in proto/rentwave/v1/*.proto, sorted by
// full name. The server links every file it serves; one it does not is a
// declared but unserved API, and fails here.
std::vector<const MethodDescriptor*> AllMethods() {
  // Links the generated code of the services the fixture itself uses.
  rentwave::v1::User::descriptor();
  std::vector<const MethodDescriptor*> methods;
  const std::string dir = RENTWAVE_PROTO_DIR "/rentwave/v1";
  DIR* d = opendir(dir.c_str());
  Check(d != nullptr, "cannot list the protos in", dir);
  while (dirent* entry = readdir(d)) {
    const std::string name = entry->d_name;
    if (name.size() < 6 || name.substr(name.size() - 6) != ".proto") continue;
    const google::protobuf::FileDescriptor* file =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
            "rentwave/v1/" + name);
    Check(file != nullptr, "proto not linked into app::Server", name);
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        methods.push_back(file->service(s)->method(m));
      }
    }
  }
  closedir(d);
  std::sort(methods.begin(), methods.end(),
            [](const MethodDescriptor* a, const MethodDescriptor* b) {
              return a->full_name() < b->full_name();
            });
  Check(!methods.empty() && methods.size() <= 256, "bad number of methods");
  return methods;
}

const std::vector<const MethodDescriptor*>& Methods() {
  static const auto* const methods =
      new std::vector<const MethodDescriptor*>(AllMethods());
  return *methods;
}

std::string PathOf(const MethodDescriptor* method) {
  return absl::StrCat("/", method->service()->full_name(), "/", method->name());
}

const Message& Prototype(const google::protobuf::Descriptor* type) {
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  Check(prototype != nullptr, "no generated message for", type->full_name());
  return *prototype;
}

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

// Waits for one callback call (unary or stream) to finish.
class Done {
 public:
  void Set(const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    done_ = true;
    cv_.notify_all();
  }
  grpc::Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
    return status_;
  }
  // False if the call is still running after `timeout`.
  bool WaitFor(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return done_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  grpc::Status status_;
};

// A server-streaming call seen from the client: one request written, then
// reads until the server sends its initial metadata (accepted) or ends the
// call (refused).
class StreamProbe final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  void OnReadInitialMetadataDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    headers_ = true;
    cv_.notify_all();
  }
  void OnReadDone(bool ok) override {
    // One message is enough to know the stream is open; the rest is not
    // read (flow control holds the server back, which is fine).
  }
  void OnDone(const grpc::Status& status) override { done_.Set(status); }

  // Waits until the server has answered with headers or ended the call.
  bool WaitForHeaders(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return headers_; });
  }
  Done& done() { return done_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool headers_ = false;
  Done done_;
};

class World {
 public:
  static World& Get() {
    // Never destroyed: the server's threads outlive static destruction.
    // AtExit shuts it down first.
    static World* const world = new World();
    return *world;
  }

  void Run(const uint8_t* data, size_t size) {
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

    const grpc::Status status = method->server_streaming()
                                    ? CallStream(method, token, wire)
                                    : CallUnary(method, token, wire, nullptr);
    if (verbose_) {
      std::fprintf(
          stderr, "rpc_fuzzer: %s as %s%s -> %s %s\n", PathOf(method).c_str(),
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

  // Checks the database and stops the server; registered with atexit.
  void AtExit() {
    if (server_ == nullptr) return;
    if (std::getenv("RPC_FUZZER_STATS") != nullptr) PrintStats();
    Verify();
    server_->Shutdown();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

 private:
  World() : clock_(absl::FromUnixSeconds(kStartSeconds)) {
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
    const std::string base =
        access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
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
    Check(db.ok(), "cannot open the database to verify",
          db.status().ToString());
    verify_db_ = *std::move(db);

    MakeFixture();
    std::atexit([] { Get().AtExit(); });
  }

  // A crash (abort) skips AtExit: removes what processes no longer running
  // left in `base` (rpc_fuzzer-<pid>-*).
  static void RemoveStaleDirs(const std::string& base) {
    std::error_code error;
    for (const fs::directory_entry& entry :
         fs::directory_iterator(base, error)) {
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

  // Sends `request` (wire format) to a unary method; fills `response` if
  // given.
  grpc::Status CallUnary(const MethodDescriptor* method,
                         const std::string& token, const std::string& request,
                         grpc::ByteBuffer* response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    grpc::Slice slice(request);
    grpc::ByteBuffer in(&slice, 1), out;
    Done done;
    stub_->UnaryCall(&ctx, PathOf(method), grpc::StubOptions(), &in,
                     response != nullptr ? response : &out,
                     [&done](grpc::Status s) { done.Set(s); });
    return done.Wait();
  }

  // Opens a server stream, waits until the server accepts or refuses it,
  // and cancels it if accepted. Returns the refusal, or CANCELLED.
  grpc::Status CallStream(const MethodDescriptor* method,
                          const std::string& token,
                          const std::string& request) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    grpc::Slice slice(request);
    grpc::ByteBuffer in(&slice, 1), out;
    StreamProbe probe;
    stub_->PrepareBidiStreamingCall(&ctx, PathOf(method), grpc::StubOptions(),
                                    &probe);
    probe.StartWriteLast(&in, grpc::WriteOptions());
    probe.StartRead(&out);
    probe.StartCall();
    if (probe.WaitForHeaders(kCallDeadline) &&
        ctx.GetServerInitialMetadata().count(
            rentwave::platform::kStreamOpenKey) > 0) {
      ctx.TryCancel();
    }
    return probe.done().Wait();
  }

  void CheckStatus(const MethodDescriptor* method, int caller, uint8_t flags,
                   bool parsed, const Message* request,
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

  // A token whose signature no longer matches (or, for anonymous, a token
  // that is not one).
  static std::string Tamper(std::string token) {
    if (token.empty()) return "not-a-token";
    token.back() = token.back() == 'A' ? 'B' : 'A';
    return token;
  }

  void Substitute(Message* request, bool relative_time) {
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

  const MethodDescriptor* Find(absl::string_view path) const {
    for (const MethodDescriptor* m : methods_) {
      if (PathOf(m) == path) return m;
    }
    Fail("no such method", path);
  }

  // A fixture call that must succeed; returns the response.
  template <typename Response>
  Response Must(absl::string_view path, int caller,
                const std::string& request_text) {
    Response response;
    const grpc::Status status = Try(path, caller, request_text, &response);
    Check(status.ok(), absl::StrCat("fixture call ", path, " failed"),
          absl::StrCat(CodeName(status.error_code()), " ",
                       status.error_message()));
    return response;
  }

  // A fixture call; fills `response` if it succeeds.
  grpc::Status Try(absl::string_view path, int caller,
                   const std::string& request_text, Message* response) {
    const MethodDescriptor* method = Find(path);
    std::unique_ptr<Message> request(Prototype(method->input_type()).New());
    Check(google::protobuf::TextFormat::ParseFromString(request_text,
                                                        request.get()),
          "bad fixture request", request_text);
    grpc::ByteBuffer out;
    const grpc::Status status =
        CallUnary(method, tokens_[caller], request->SerializeAsString(), &out);
    if (!status.ok()) return status;
    std::vector<grpc::Slice> slices;
    Check(out.Dump(&slices).ok(), "cannot read a fixture response");
    std::string wire;
    for (const grpc::Slice& s : slices) {
      wire.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    Check(response->ParseFromString(wire), "bad fixture response", path);
    return status;
  }

  void LoginAll() {
    for (int caller = 1; caller <= 3; ++caller) {
      const std::string request = absl::StrCat(
          "username: '", kUsernames[caller], "' password: '", kPassword, "'");
      rentwave::v1::LoginResponse login;
      grpc::Status status = Try("/rentwave.v1.Users/Login", 0, request, &login);
      if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        // Inputs guessed the fixture users' passwords often enough to lock
        // them out (users::LoginLimits): wait out the window, on the
        // development clock.
        clock_.Advance(absl::Minutes(16));
        status = Try("/rentwave.v1.Users/Login", 0, request, &login);
      }
      Check(
          status.ok(), "the fixture's users cannot log in",
          absl::StrCat(kUsernames[caller], ": ", CodeName(status.error_code()),
                       " ", status.error_message()));
      tokens_[caller] = login.access_token();
      user_ids_[caller] = login.user_id();
    }
  }

  // The users, listings, rentals, a deposit and a notification that the
  // placeholders name.
  void MakeFixture() {
    for (int caller = 1; caller <= 3; ++caller) {
      Must<rentwave::v1::RegisterResponse>(
          "/rentwave.v1.Users/Register", 0,
          absl::StrCat("username: '", kUsernames[caller], "' password: '",
                       kPassword, "' display_name: 'Fuzz ", caller, "'"));
    }
    LoginAll();
    const auto bike = Must<rentwave::v1::Listing>(
        "/rentwave.v1.Listings/CreateListing", 1,
        R"(listing { kind: LISTING_KIND_VEHICLE title: "Bike"
             price { amount_minor: 300 currency: "USD" }
             billing_period: BILLING_PERIOD_HOUR
             max_duration { seconds: 259200 }
             deposit { amount_minor: 1000 currency: "USD" }
             late_fee { amount_minor: 200 currency: "USD" }
             vehicle { vehicle_type: VEHICLE_TYPE_BICYCLE make: "B"
                       model: "C" seats: 1 } })");
    const auto book = Must<rentwave::v1::Listing>(
        "/rentwave.v1.Listings/CreateListing", 1,
        R"(listing { kind: LISTING_KIND_BOOK title: "Dune"
             price { amount_minor: 100 currency: "USD" }
             billing_period: BILLING_PERIOD_DAY
             max_duration { seconds: 2592000 }
             book { isbn: "0-441-17271-7" title: "Dune"
                    author: "F. Herbert" } })");
    const auto deposit =
        Must<rentwave::v1::Transaction>("/rentwave.v1.Wallet/Deposit", 2,
                                        R"(request_id: "fixture-deposit"
           amount { amount_minor: 5000000 currency: "USD" })");
    const auto active = Must<rentwave::v1::Rental>(
        "/rentwave.v1.Rentals/CreateRental", 2,
        absl::StrCat("request_id: 'fixture-active' listing_id: '", bike.id(),
                     "' duration { seconds: 7200 }"));
    const auto future = Must<rentwave::v1::Rental>(
        "/rentwave.v1.Rentals/CreateRental", 2,
        absl::StrCat("request_id: 'fixture-future' listing_id: '", book.id(),
                     "' start_time { seconds: ", kStartSeconds + 86400,
                     " } duration { seconds: 86400 }"));
    // Notifications are made after commit, by the event dispatcher.
    std::string note;
    for (int i = 0; i < 100 && note.empty(); ++i) {
      const auto notes = Must<rentwave::v1::ListNotificationsResponse>(
          "/rentwave.v1.Notifications/ListNotifications", 1, "");
      if (notes.notifications_size() > 0) {
        note = notes.notifications(0).id();
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    placeholders_ = {
        {"$OWNER", user_ids_[1]}, {"$RENTER", user_ids_[2]},
        {"$ADMIN", user_ids_[3]}, {"$BIKE", bike.id()},
        {"$BOOK", book.id()},     {"$ACTIVE", active.id()},
        {"$FUTURE", future.id()}, {"$DEPOSIT", deposit.id()},
        {"$NOTE", note},
    };
  }

  // How each method answered: what the fuzzer got past validation.
  void PrintStats() const {
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

  void Verify() {
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

  rentwave::platform::ManualClock clock_;
  std::vector<const MethodDescriptor*> methods_;
  std::string dir_;
  std::unique_ptr<rentwave::app::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::unique_ptr<rentwave::platform::Database> verify_db_;
  std::string tokens_[4];    // by caller; [0] anonymous: none
  std::string user_ids_[4];  // by caller
  std::vector<std::pair<std::string, std::string>> placeholders_;
  int64_t runs_ = 0;
  bool verbose_ = false;  // RPC_FUZZER_VERBOSE set: print every call
  // Calls by method and status code (RPC_FUZZER_STATS set: printed at exit).
  std::map<const MethodDescriptor*, std::map<grpc::StatusCode, int64_t>> codes_;
};

// Values for string fields: the placeholders, every field name of the API
// (update_mask paths), and words the handlers look for.
const std::vector<std::string>& Words() {
  static const auto* const words = [] {
    auto* w = new std::vector<std::string>{"$OWNER",
                                           "$RENTER",
                                           "$ADMIN",
                                           "$BIKE",
                                           "$BOOK",
                                           "$ACTIVE",
                                           "$FUTURE",
                                           "$DEPOSIT",
                                           "$NOTE",
                                           "USD",
                                           "EUR",
                                           "usd",
                                           "XXX",
                                           "0-441-17271-7",
                                           "9780441172719",
                                           "978-0-441-17271-9",
                                           "044117271X",
                                           kUsernames[1],
                                           kUsernames[2],
                                           kUsernames[3],
                                           kPassword,
                                           "a@b.c",
                                           "NO",
                                           "Oslo",
                                           "dune",
                                           "\"dune\"",
                                           "du*",
                                           "a OR b",
                                           "NEAR(a b)",
                                           "-x",
                                           "'",
                                           "%",
                                           "_",
                                           "\\",
                                           "\xc3\xa9",
                                           "\xe2\x9c\x93",
                                           "\xe2\x80\xae",
                                           "\xf0\x9f\x9a\xb2",
                                           " ",
                                           "\t",
                                           "0",
                                           "-1",
                                           "AAAA",
                                           "rental.created",
                                           "wallet.deposited",
                                           "listing.created",
                                           "user.registered",
                                           "*",
                                           "owner_id",
                                           "user.email"};
    std::vector<const google::protobuf::Descriptor*> pending;
    for (const MethodDescriptor* method : Methods()) {
      pending.push_back(method->input_type());
      pending.push_back(method->output_type());
    }
    absl::flat_hash_set<const google::protobuf::Descriptor*> seen;
    while (!pending.empty()) {
      const google::protobuf::Descriptor* type = pending.back();
      pending.pop_back();
      if (!seen.insert(type).second) continue;
      for (int i = 0; i < type->field_count(); ++i) {
        w->push_back(type->field(i)->name());
        if (type->field(i)->message_type() != nullptr) {
          pending.push_back(type->field(i)->message_type());
        }
      }
    }
    std::sort(w->begin(), w->end());
    w->erase(std::unique(w->begin(), w->end()), w->end());
    return w;
  }();
  return *words;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World::Get().Run(data, size);
  return 0;
}

// libFuzzer's own mutator; weak, so that the replay binary (which never
// mutates) links without libFuzzer.
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size)
    __attribute__((weak));

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned int seed) {
  std::minstd_rand rng(seed);
  if (size < 2 || max_size < 2 || rng() % 3 == 0) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  if (rng() % 16 == 0) {  // another caller or flag
    data[1] ^= static_cast<uint8_t>(1u << (rng() % 5));
    return size;
  }
  const std::vector<const MethodDescriptor*>& methods = Methods();
  const MethodDescriptor* method = methods[data[0] % methods.size()];
  std::unique_ptr<Message> request(Prototype(method->input_type()).New());
  request->ParseFromArray(data + 2, static_cast<int>(size - 2));
  const int rounds = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < rounds; ++i) {
    rentwave::fuzz::MutateMessage(request.get(), rng, Words(), kStartSeconds);
  }
  const std::string wire = request->SerializeAsString();
  if (wire.size() > max_size - 2) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  std::memcpy(data + 2, wire.data(), wire.size());
  return 2 + wire.size();
}
