#include "control/metadata_server.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

#include "control/metadata_router.h"
#include "packet/metadata_nat.h"

namespace vfpath::control {

struct MetadataHttpServer::State {
  const SnapshotPublisher& publisher;
  TokenIssuer tokens;
};

namespace {

constexpr unsigned kConnections = 512;
constexpr unsigned kConnectionsPerClient = 16;  // a client address is one ENI address
constexpr unsigned kIdleTimeoutS = 10;
constexpr size_t kConnectionMemory = 16384;    // headers of one request; a body is never read

// The client address's ENI slot, or false when it names none.
bool slot_of(const sockaddr* sa, uint32_t& slot) {
  metadata::TcpPacket p;
  if (sa->sa_family == AF_INET) {
    std::memcpy(p.dst, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
  } else if (sa->sa_family == AF_INET6) {
    p.v6 = true;
    std::memcpy(p.dst, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
  } else {
    return false;
  }
  uint32_t index;
  return metadata::client_of(p, slot, index);
}

void set_hop_limit(MHD_Connection* c, int hops) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  const MHD_ConnectionInfo* addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (!info || !addr) return;
  if (addr->client_addr->sa_family == AF_INET6)
    setsockopt(info->connect_fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops);
  else
    setsockopt(info->connect_fd, IPPROTO_IP, IP_TTL, &hops, sizeof hops);
}

uint64_t now_s() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

std::optional<std::string_view> header(MHD_Connection* c, const char* name) {
  const char* v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
  if (!v) return std::nullopt;
  return std::string_view(v);
}

MHD_Result respond(MHD_Connection* c, const MetadataResponse& r) {
  MHD_Response* resp =
      MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (!resp) return MHD_NO;
  MHD_add_response_header(resp, "Content-Type", "text/plain");
  MHD_add_response_header(resp, "Server", "EC2ws");
  for (const auto& [k, v] : r.headers) MHD_add_response_header(resp, k.c_str(), v.c_str());
  if (r.hop_limit > 0) set_hop_limit(c, r.hop_limit);
  const MHD_Result ok = MHD_queue_response(c, static_cast<unsigned>(r.status), resp);
  MHD_destroy_response(resp);
  return ok;
}

MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method, const char*,
                      const char*, size_t* upload_size, void** request_state) {
  static int seen;
  if (*request_state == nullptr) {  // headers only so far: come back for the body
    *request_state = &seen;
    return MHD_YES;
  }
  if (*upload_size != 0) {  // a body (IMDS takes none): read past it
    *upload_size = 0;
    return MHD_YES;
  }
  auto* state = static_cast<MetadataHttpServer::State*>(cls);
  const MHD_ConnectionInfo* addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  uint32_t slot = 0;
  std::optional<InstanceFacts> facts;
  if (addr && slot_of(addr->client_addr, slot))
    state->publisher.with_current([&](const Snapshot* s) {
      if (s) facts = instance_facts(*s, slot);
    });
  MetadataRequest r;
  r.method = method;
  r.path = url;
  r.token = header(c, "X-aws-ec2-metadata-token");
  r.token_ttl = header(c, "X-aws-ec2-metadata-token-ttl-seconds");
  r.forwarded = header(c, "X-Forwarded-For").has_value();
  r.now_s = now_s();
  return respond(c, answer_metadata(r, facts ? &*facts : nullptr, state->tokens));
}

MHD_Daemon* listen_on(unsigned family_flag, uint16_t port, MetadataHttpServer::State* state) {
  return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | family_flag, port, nullptr, nullptr,
                          &on_request, state,
                          MHD_OPTION_CONNECTION_LIMIT, kConnections,
                          MHD_OPTION_PER_IP_CONNECTION_LIMIT, kConnectionsPerClient,
                          MHD_OPTION_CONNECTION_TIMEOUT, kIdleTimeoutS,
                          MHD_OPTION_CONNECTION_MEMORY_LIMIT, kConnectionMemory,
                          MHD_OPTION_END);
}

}  // namespace

MetadataHttpServer::MetadataHttpServer(const SnapshotPublisher& publisher, uint16_t port)
    : state_(std::make_unique<State>(State{publisher, TokenIssuer{}})) {
  v4_ = listen_on(0, port, state_.get());
  if (!v4_) throw std::runtime_error("the metadata service cannot listen on IPv4 port " + std::to_string(port));
  v6_ = listen_on(MHD_USE_IPv6, port, state_.get());
  if (!v6_) {
    MHD_stop_daemon(v4_);
    throw std::runtime_error("the metadata service cannot listen on IPv6 port " + std::to_string(port));
  }
}

MetadataHttpServer::~MetadataHttpServer() {
  if (v6_) MHD_stop_daemon(v6_);
  if (v4_) MHD_stop_daemon(v4_);
}

}  // namespace vfpath::control
