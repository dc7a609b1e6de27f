// gRPC adapter of the wallet module: rentwave.v1.Wallet <-> wallet::Wallet.
// Every method acts on the authenticated caller's own wallet.
#pragma once

#include "modules/platform/rpc.h"
#include "modules/wallet/wallet.h"
#include "rentwave/v1/wallet.grpc.pb.h"

namespace rentwave::wallet {

class WalletGrpc final : public v1::Wallet::CallbackService {
 public:
  // Registers the service's methods with `gate`. Both must outlive this.
  WalletGrpc(Wallet& wallet, platform::RpcGate& gate);

  grpc::ServerUnaryReactor* GetWallet(grpc::CallbackServerContext* ctx,
                                      const v1::GetWalletRequest* request,
                                      v1::WalletSummary* response) override;
  grpc::ServerUnaryReactor* Deposit(grpc::CallbackServerContext* ctx,
                                    const v1::DepositRequest* request,
                                    v1::Transaction* response) override;
  grpc::ServerUnaryReactor* Withdraw(grpc::CallbackServerContext* ctx,
                                     const v1::WithdrawRequest* request,
                                     v1::Transaction* response) override;
  grpc::ServerUnaryReactor* Transfer(grpc::CallbackServerContext* ctx,
                                     const v1::TransferRequest* request,
                                     v1::Transaction* response) override;
  grpc::ServerUnaryReactor* ListTransactions(
      grpc::CallbackServerContext* ctx,
      const v1::ListTransactionsRequest* request,
      v1::ListTransactionsResponse* response) override;
  grpc::ServerUnaryReactor* GetTransaction(
      grpc::CallbackServerContext* ctx,
      const v1::GetTransactionRequest* request,
      v1::Transaction* response) override;

 private:
  Wallet& wallet_;
  const platform::RpcGate& gate_;
};

}  // namespace rentwave::wallet
