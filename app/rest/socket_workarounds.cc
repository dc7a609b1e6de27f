#include "app/rest/socket_workarounds.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>

namespace rentwave::rest {
namespace {

// Socket descriptors are small; httplib's are below this.
constexpr int kMaxFd = 65536;

// Calls `visit(fd, local, peer)` for every open TCP socket of the process
// until it returns true; returns whether one did.
bool ForEachSocket(
    const std::function<bool(int, const Endpoint&, const Endpoint*)>& visit) {
  for (int fd = 0; fd < kMaxFd; ++fd) {
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) {
      if (errno == EBADF && fd > 1024) break;  // past the open descriptors
      continue;
    }
    Endpoint local_end = EndpointOf(local);
    if (local_end.port < 0) continue;
    bool connected =
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0;
    Endpoint peer_end = EndpointOf(peer);
    if (visit(fd, local_end, connected ? &peer_end : nullptr)) return true;
  }
  return false;
}

}  // namespace

Endpoint EndpointOf(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    return {text, ntohs(in->sin_port)};
  }
  if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    return {text, ntohs(in6->sin6_port)};
  }
  return {};
}

void RaiseListenBacklog(int port) {
  ForEachSocket([port](int fd, const Endpoint& local, const Endpoint* peer) {
    int listening = 0;
    socklen_t len = sizeof(listening);
    if (peer == nullptr && local.port == port &&
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 &&
        listening) {
      ::listen(fd, SOMAXCONN);
    }
    return false;  // IPv4 and IPv6 sockets may both listen on the port
  });
}

bool RespondAndClose(const std::string& peer_address, int peer_port,
                     int local_port, const std::string& response) {
  return ForEachSocket(
      [&](int fd, const Endpoint& local, const Endpoint* peer) {
        if (peer == nullptr || local.port != local_port ||
            peer->port != peer_port || peer->address != peer_address) {
          return false;
        }
        ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
        ::shutdown(fd, SHUT_RDWR);
        return true;
      });
}

}  // namespace rentwave::rest
