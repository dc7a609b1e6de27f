#include "app/server.h"

#include <grpc/grpc.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "app/public_methods.h"
#include "app/rest/openapi.h"
#include "app/tls.h"
#include "modules/platform/log_buffer_vfs.h"
#include "modules/platform/migrations.h"
#include "modules/platform/status.h"

namespace rentwave::app {
namespace {

const google::protobuf::ServiceDescriptor* ServiceDescriptor(
    absl::string_view full_name) {
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      std::string(full_name));
}

}  // namespace

absl::StatusOr<std::unique_ptr<platform::Database>> OpenDatabase(
    const Config& config, const platform::Clock& clock) {
  platform::DatabaseOptions options;
  options.path = config.db_path;
  options.synchronous_full = config.db_synchronous == "full";
  options.max_bytes = config.db_max_bytes;
  RW_ASSIGN_OR_RETURN(auto db, platform::Database::Open(options));
  RW_RETURN_IF_ERROR(
      platform::ApplyMigrations(*db, platform::EmbeddedMigrations(), clock));
  return db;
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const Config& config, const platform::Clock& clock,
    platform::ManualClock* dev_clock) {
  if (dev_clock != nullptr && dev_clock != &clock) {
    return absl::InvalidArgumentError(
        "the development clock must be the server's clock");
  }
  std::unique_ptr<Server> s(new Server(config, clock));
  if (dev_clock != nullptr) {
    spdlog::warn(
        "--dev-clock: DEVELOPMENT CLOCK ON. Time stands still at {} unless "
        "any signed-in user moves it with rentwave.v1.DevClock/Advance; late "
        "fees follow it. Tests and demos only, never production",
        absl::FormatTime(absl::RFC3339_full, clock.Now(), absl::UTCTimeZone()));
  }
  RW_ASSIGN_OR_RETURN(s->db_, OpenDatabase(config, s->clock_));
  s->events_ = std::make_unique<platform::EventLog>(*s->db_, s->clock_);

  users::UsersOptions users_options;
  users_options.token_secret = config.token_secret;
  users_options.token_ttl = absl::Seconds(config.token_ttl_seconds);
  users_options.admin_usernames = config.admins;
  RW_ASSIGN_OR_RETURN(users_options.password_cost,
                      users::ParsePasswordCost(config.password_cost));
  if (users_options.password_cost == users::PasswordCost::kMinimum) {
    spdlog::warn(
        "--password-cost=minimum: password hashes are weak; tests only");
  }
  RW_ASSIGN_OR_RETURN(
      s->users_,
      users::Users::Create(*s->db_, *s->events_, s->clock_, users_options));

  platform::RpcGateOptions gate_options;
  gate_options.worker_threads = static_cast<int>(config.rpc_threads);
  gate_options.per_user = {config.user_rate, config.user_burst};
  gate_options.per_address = {config.address_rate, config.address_burst};
  gate_options.default_deadline =
      absl::Seconds(config.default_deadline_seconds);
  s->gate_ = std::make_unique<platform::RpcGate>(*s->users_, PublicMethods(),
                                                 s->metrics_, gate_options);
  s->users_grpc_ = std::make_unique<users::UsersGrpc>(*s->users_, *s->gate_);
  s->calendar_ = std::make_unique<rentals::Calendar>(s->clock_);
  RW_ASSIGN_OR_RETURN(
      s->listings_,
      listings::Listings::Open(*s->db_, *s->events_, s->clock_, *s->calendar_));
  s->listings_grpc_ =
      std::make_unique<listings::ListingsGrpc>(*s->listings_, *s->gate_);

  wallet::WalletOptions wallet_options;
  wallet_options.currency = config.currency;
  wallet_options.max_amount_minor = config.max_amount_minor;
  users::Users* users = s->users_.get();
  wallet_options.user_exists = [users](const std::string& user_id) {
    return users->GetProfile(user_id).status();
  };
  RW_ASSIGN_OR_RETURN(s->wallet_,
                      wallet::Wallet::Open(*s->db_, *s->events_, s->clock_,
                                           std::move(wallet_options)));
  s->wallet_grpc_ =
      std::make_unique<wallet::WalletGrpc>(*s->wallet_, *s->gate_);

  RW_ASSIGN_OR_RETURN(s->notifications_, notifications::Notifications::Open(
                                             *s->db_, *s->events_, s->clock_));
  s->notifications_grpc_ = std::make_unique<notifications::NotificationsGrpc>(
      *s->notifications_, *s->gate_);
  rentals::RentalsOptions rentals_options;
  rentals_options.grace = absl::Seconds(config.late_grace_seconds);
  rentals_options.max_late_periods = static_cast<int>(config.late_max_periods);
  rentals_options.fee_basis_points = static_cast<int>(config.fee_basis_points);
  RW_ASSIGN_OR_RETURN(
      s->rentals_,
      rentals::Rentals::Open(*s->db_, *s->events_, s->clock_, *s->listings_,
                             *s->wallet_, *s->notifications_, rentals_options));
  s->rentals_grpc_ =
      std::make_unique<rentals::RentalsGrpc>(*s->rentals_, *s->gate_);
  s->events_grpc_ = std::make_unique<events::EventsGrpc>(
      *s->events_,
      [users](const std::string& user_id) { return users->IsAdmin(user_id); },
      *s->gate_);
  s->late_fee_timer_ =
      std::make_unique<rentals::LateFeeTimer>(*s->rentals_, s->clock_);

  // The services served over gRPC, and over REST by their annotations.
  std::vector<grpc::Service*> services = {
      s->users_grpc_.get(),         s->listings_grpc_.get(),
      s->wallet_grpc_.get(),        s->rentals_grpc_.get(),
      s->notifications_grpc_.get(), s->events_grpc_.get()};
  std::vector<const google::protobuf::ServiceDescriptor*> descriptors = {
      ServiceDescriptor(v1::Users::service_full_name()),
      ServiceDescriptor(v1::Listings::service_full_name()),
      ServiceDescriptor(v1::Wallet::service_full_name()),
      ServiceDescriptor(v1::Rentals::service_full_name()),
      ServiceDescriptor(v1::Notifications::service_full_name()),
      ServiceDescriptor(v1::Events::service_full_name())};
  // Only with --dev-clock: otherwise the service is absent from gRPC, REST
  // and reflection alike.
  if (dev_clock != nullptr) {
    s->dev_clock_grpc_ = std::make_unique<DevClockGrpc>(
        *dev_clock, *s->late_fee_timer_, *s->gate_);
    services.push_back(s->dev_clock_grpc_.get());
    descriptors.push_back(ServiceDescriptor(v1::DevClock::service_full_name()));
  }
  RW_ASSIGN_OR_RETURN(rest::RouteTable routes,
                      rest::RouteTable::Build(descriptors));
  s->routes_ = std::make_unique<rest::RouteTable>(std::move(routes));

  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  rest::HttpGatewayOptions http;
  if (!config.tls_cert.empty()) {
    RW_ASSIGN_OR_RETURN(TlsFiles tls, LoadTls(config.tls_cert, config.tls_key));
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({tls.key_pem, tls.cert_pem});
    credentials = grpc::SslServerCredentials(ssl);
    http.tls_cert_path = tls.cert_path;
    http.tls_key_path = tls.key_path;
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // Without this, Linux lets a second server share a port already in use
  // (SO_REUSEPORT) and the kernel splits clients between the two.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(config.grpc_listen, credentials, &s->grpc_port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
  for (grpc::Service* service : services) builder.RegisterService(service);
  s->grpc_ = builder.BuildAndStart();
  if (s->grpc_ == nullptr || s->grpc_port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.grpc_listen,
                     " (address in use, not permitted, or malformed)"));
  }

  http.listen = config.http_listen;
  http.max_body_bytes = config.max_body_bytes;
  http.cors_origins = config.cors_origins;
  http.threads = static_cast<int>(config.http_threads);
  platform::Database* db = s->db_.get();
  s->gateway_ = std::make_unique<rest::HttpGateway>(
      *s->routes_, s->grpc_->InProcessChannel(grpc::ChannelArguments()), http,
      s->metrics_,
      rest::OpenApiDocument(*s->routes_, "RentWave", RENTWAVE_VERSION,
                            PublicMethods()),
      [db] {
        return platform::CheckSchemaCurrent(*db,
                                            platform::EmbeddedMigrations());
      });
  RW_RETURN_IF_ERROR(s->gateway_->Start());
  s->events_->Start();
  // Catches up on every late period that fell due while the server was
  // down, then follows the clock.
  s->late_fee_timer_->Start();
  return s;
}

Server::~Server() { Shutdown(); }

void Server::Shutdown() {
  if (grpc_ == nullptr) return;
  grpc_->GetHealthCheckService()->Shutdown();  // report NOT_SERVING
  // Streams never end on their own: end them first, so that the REST
  // requests relaying them return and nothing waits out the grace period.
  gate_->StopStreams();
  if (gateway_ != nullptr) gateway_->Stop();
  grpc_->Shutdown(std::chrono::system_clock::now() +
                  std::chrono::seconds(config_.shutdown_grace_seconds));
  grpc_->Wait();
  grpc_.reset();
  gateway_.reset();
  DestroyModules();
}

void Server::DestroyModules() {
  // The gate first: its workers run what is still queued and are joined
  // before anything their handlers use goes.
  gate_.reset();
  late_fee_timer_->Stop();
  events_->Stop();
  const platform::WriteStats writes = db_->write_stats();
  const platform::CheckpointStats checkpoints = db_->checkpoint_stats();
  const platform::LogBufferStats logged = platform::LogBufferTotals();
  spdlog::info(
      "{} write transactions in {} commits; {} checkpoints in the background, "
      "{} by the writer; {} log appends in {} writes",
      writes.transactions, writes.commits, checkpoints.background,
      checkpoints.by_writer, logged.appends, logged.writes);
  dev_clock_grpc_.reset();
  late_fee_timer_.reset();
  events_grpc_.reset();
  rentals_grpc_.reset();
  notifications_grpc_.reset();
  wallet_grpc_.reset();
  listings_grpc_.reset();
  users_grpc_.reset();
  rentals_.reset();
  notifications_.reset();
  wallet_.reset();
  listings_.reset();
  calendar_.reset();
  users_.reset();
  events_.reset();
  db_.reset();
  spdlog::info("shut down cleanly");
}

}  // namespace rentwave::app
