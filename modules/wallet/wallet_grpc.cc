#include "modules/wallet/wallet_grpc.h"

#include "modules/platform/proto_time.h"
#include "modules/platform/status.h"

namespace rentwave::wallet {
namespace {

using platform::Caller;

platform::Money FromProto(const v1::Money& m) {
  return {m.amount_minor(), m.currency()};
}

void ToProto(int64_t amount_minor, const std::string& currency,
             v1::Money* out) {
  out->set_amount_minor(amount_minor);
  out->set_currency(currency);
}

void ToProto(const Summary& s, v1::WalletSummary* out) {
  out->set_user_id(s.user_id);
  ToProto(s.balance_minor, s.currency, out->mutable_balance());
  ToProto(s.held_minor, s.currency, out->mutable_held());
  ToProto(s.available_minor, s.currency, out->mutable_available());
  ToProto(s.debt_minor, s.currency, out->mutable_debt());
}

// `viewer` is the caller: balance_change_minor is the effect on their
// balance.
void ToProto(const Transaction& t, const std::string& viewer,
             v1::Transaction* out) {
  out->set_id(t.id);
  out->set_kind(static_cast<v1::TransactionKind>(t.kind));
  out->set_debit_account(t.debit_account);
  out->set_credit_account(t.credit_account);
  ToProto(t.amount_minor, t.currency, out->mutable_amount());
  out->set_balance_change_minor(t.BalanceChangeFor(viewer));
  out->set_reference(t.reference);
  out->set_memo(t.memo);
  out->set_request_id(t.request_id);
  platform::ToProto(t.created, out->mutable_create_time());
}

}  // namespace

WalletGrpc::WalletGrpc(Wallet& wallet, platform::RpcGate& gate)
    : wallet_(wallet), gate_(gate) {
  gate.AddService(v1::Wallet::service_full_name());
}

grpc::ServerUnaryReactor* WalletGrpc::GetWallet(
    grpc::CallbackServerContext* ctx, const v1::GetWalletRequest* request,
    v1::WalletSummary* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(Summary summary, wallet_.Get(caller.user_id));
        ToProto(summary, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* WalletGrpc::Deposit(grpc::CallbackServerContext* ctx,
                                              const v1::DepositRequest* request,
                                              v1::Transaction* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(
            Transaction t,
            wallet_.Deposit(caller.user_id, request->request_id(),
                            FromProto(request->amount())));
        ToProto(t, caller.user_id, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* WalletGrpc::Withdraw(
    grpc::CallbackServerContext* ctx, const v1::WithdrawRequest* request,
    v1::Transaction* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(
            Transaction t,
            wallet_.Withdraw(caller.user_id, request->request_id(),
                             FromProto(request->amount())));
        ToProto(t, caller.user_id, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* WalletGrpc::Transfer(
    grpc::CallbackServerContext* ctx, const v1::TransferRequest* request,
    v1::Transaction* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(
            Transaction t,
            wallet_.Transfer(caller.user_id, request->request_id(),
                             request->to_user_id(),
                             FromProto(request->amount()), request->memo()));
        ToProto(t, caller.user_id, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* WalletGrpc::ListTransactions(
    grpc::CallbackServerContext* ctx,
    const v1::ListTransactionsRequest* request,
    v1::ListTransactionsResponse* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        // Unknown enum values pass through as numbers; List rejects them.
        RW_ASSIGN_OR_RETURN(
            TransactionPage page,
            wallet_.List(caller.user_id, static_cast<Kind>(request->kind()),
                         {request->page_size(), request->page_token()}));
        for (const Transaction& t : page.transactions) {
          ToProto(t, caller.user_id, response->add_transactions());
        }
        response->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* WalletGrpc::GetTransaction(
    grpc::CallbackServerContext* ctx, const v1::GetTransactionRequest* request,
    v1::Transaction* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(
            Transaction t,
            wallet_.GetTransaction(caller.user_id, request->transaction_id()));
        ToProto(t, caller.user_id, response);
        return absl::OkStatus();
      });
}

}  // namespace rentwave::wallet
