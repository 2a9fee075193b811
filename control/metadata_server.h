// The instance metadata service's HTTP side (libmicrohttpd): listens on
// port 80 of the calling thread's network namespace, IPv4 and IPv6, and
// answers with answer_metadata() (metadata_router.h) for the VM the client
// address names (packet/metadata_nat.h), from the snapshot in force. A
// response with a hop limit (the token PUT's) leaves with that IP TTL /
// IPv6 hop limit, set on its connection's socket. Connections are limited
// per client address (so one VM cannot take the service from the others),
// in all, and in how long they may idle.
#pragma once

#include <cstdint>
#include <memory>

#include "control/metadata_token.h"
#include "dataplane/snapshot_publisher.h"

struct MHD_Daemon;

namespace vfpath::control {

class MetadataHttpServer final {
 public:
  // Throws std::runtime_error when it cannot listen.
  MetadataHttpServer(const SnapshotPublisher& publisher, uint16_t port = 80);
  ~MetadataHttpServer();
  MetadataHttpServer(const MetadataHttpServer&) = delete;
  MetadataHttpServer& operator=(const MetadataHttpServer&) = delete;

  struct State;

 private:
  std::unique_ptr<State> state_;
  MHD_Daemon* v4_ = nullptr;
  MHD_Daemon* v6_ = nullptr;
};

}  // namespace vfpath::control
