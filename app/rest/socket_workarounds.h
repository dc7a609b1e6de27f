// Workarounds for limits of Debian's cpp-httplib 0.11 that its API cannot
// reach: they act on the server's sockets, found by address.
#pragma once

#include <sys/socket.h>

#include <string>

namespace rentwave::rest {

// A socket address as text: "127.0.0.1" or "::1" (no brackets), and port.
struct Endpoint {
  std::string address;
  int port = -1;  // -1: not an IPv4 or IPv6 address
};
Endpoint EndpointOf(const sockaddr_storage& addr);

// httplib listens with a backlog of 5: a burst of new connections overflows
// it and clients wait a SYN retransmit (1 s). Raises the backlog of the
// listening socket on `port` to SOMAXCONN (Linux allows calling listen()
// again).
void RaiseListenBacklog(int port);

// httplib reads no body on GET, HEAD or OPTIONS, so a body there would be
// parsed as the next request on the connection (request smuggling). Sends
// `response` (a complete HTTP response) on the connection from
// `peer_address`:`peer_port` to `local_port` and shuts the connection down,
// so nothing after it is read. Returns false if the socket was not found.
bool RespondAndClose(const std::string& peer_address, int peer_port,
                     int local_port, const std::string& response);

}  // namespace rentwave::rest
