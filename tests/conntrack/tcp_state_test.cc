// The TCP tracker as a table of scenarios: each is a list of segments between
// a client C (who sent the first packet) and a server S, with the verdict and
// the state expected after each. The runner also proves the contract that an
// invalid segment leaves the connection byte-for-byte unchanged, and that an
// ignored one changes no state or window. After kReopen the runner starts a
// new connection from that segment (as the table's caller does), so a reply
// side reopening swaps who is original.
#include <gtest/gtest.h>

#include <cstring>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "conntrack/tcp_state.h"

namespace vfpath::ct {
namespace {

using V = TcpVerdict;
using St = TcpState;

enum Who : uint8_t { C, S };

constexpr uint8_t SYN = tcp_flag::kSyn, ACK = tcp_flag::kAck, FIN = tcp_flag::kFin | tcp_flag::kAck,
                  RST = tcp_flag::kRst, PSH = tcp_flag::kPsh | tcp_flag::kAck, SA = SYN | ACK,
                  RA = tcp_flag::kRst | tcp_flag::kAck, XMAS = 0xff, SYNFIN = SYN | tcp_flag::kFin,
                  NUL = 0, FIN_ONLY = tcp_flag::kFin, SYNRST = SYN | tcp_flag::kRst;
constexpr int8_t NOWS = kNoWindowScale;

struct Seg {
  Who who;
  uint8_t flags;
  uint32_t seq;
  uint32_t ack;
  uint16_t win;
  int8_t wscale;
  uint16_t len;
  V verdict;
  St state;
};

struct Scenario {
  std::string name;
  std::string proves;
  std::vector<Seg> segs;
  bool liberal = false;
  bool pickup = true;
};

// The common opening: C ISN 1000, S ISN 5000, windows 65535, no scaling.
std::vector<Seg> handshake(std::vector<Seg> rest) {
  std::vector<Seg> v = {
      {C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
      {S, SA, 5000, 1001, 65535, NOWS, 0, V::kAccept, St::kSynRecv},
      {C, ACK, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kEstablished},
  };
  v.insert(v.end(), rest.begin(), rest.end());
  return v;
}

std::vector<Seg> closed_by_client(std::vector<Seg> rest) {
  return handshake([&] {
    std::vector<Seg> v = {
        {C, FIN, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kFinWait},
        {S, ACK, 5001, 1002, 65535, NOWS, 0, V::kAccept, St::kCloseWait},
        {S, FIN, 5001, 1002, 65535, NOWS, 0, V::kAccept, St::kLastAck},
        {C, ACK, 1002, 5002, 65535, NOWS, 0, V::kAccept, St::kTimeWait},
    };
    v.insert(v.end(), rest.begin(), rest.end());
    return v;
  }());
}

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> k = {
      {"handshake", "SYN, SYN/ACK, ACK reach ESTABLISHED", handshake({})},
      {"data_both_ways", "in-window data and acks keep ESTABLISHED",
       handshake({{C, PSH, 1001, 5001, 65535, NOWS, 100, V::kAccept, St::kEstablished},
                  {S, ACK, 5001, 1101, 65535, NOWS, 0, V::kAccept, St::kEstablished},
                  {S, PSH, 5001, 1101, 65535, NOWS, 200, V::kAccept, St::kEstablished},
                  {C, ACK, 1101, 5201, 65535, NOWS, 0, V::kAccept, St::kEstablished}})},
      {"final_ack_with_data", "the handshake's last ACK may carry data",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, SA, 5000, 1001, 65535, NOWS, 0, V::kAccept, St::kSynRecv},
        {C, PSH, 1001, 5001, 65535, NOWS, 300, V::kAccept, St::kEstablished}}},
      {"simultaneous_open", "SYN both ways goes through SYN_SENT2, then SYN/ACKs to ESTABLISHED",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, SYN, 5000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent2},
        {C, SA, 1000, 5001, 65535, NOWS, 0, V::kAccept, St::kSynRecv},
        {S, SA, 5000, 1001, 65535, NOWS, 0, V::kAccept, St::kSynRecv},
        {C, ACK, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kEstablished}}},
      {"syn_retransmit", "a retransmitted SYN keeps SYN_SENT",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, SA, 5000, 1001, 65535, NOWS, 0, V::kAccept, St::kSynRecv},
        {C, ACK, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kEstablished}}},
      {"syn_new_isn", "a SYN with a new ISN re-initialises the client; a SYN/ACK for the old one is invalid",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {C, SYN, 200000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, SA, 5000, 1001, 65535, NOWS, 0, V::kInvalid, St::kSynSent},
        {S, SA, 5000, 200001, 65535, NOWS, 0, V::kAccept, St::kSynRecv}}},
      {"synack_wrong_ack", "a SYN/ACK acking unsent data is invalid and changes nothing",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, SA, 5000, 1500, 65535, NOWS, 0, V::kInvalid, St::kSynSent},
        {S, SA, 5000, 1001, 65535, NOWS, 0, V::kAccept, St::kSynRecv}}},
      {"synack_retransmit", "a retransmitted SYN/ACK keeps SYN_RECV",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, SA, 5000, 1001, 65535, NOWS, 0, V::kAccept, St::kSynRecv},
        {S, SA, 5000, 1001, 65535, NOWS, 0, V::kAccept, St::kSynRecv},
        {C, ACK, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kEstablished}}},
      {"ack_from_client_in_syn_sent", "the originator cannot ACK before any SYN/ACK",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {C, ACK, 1001, 5001, 65535, NOWS, 0, V::kInvalid, St::kSynSent}}},
      {"reply_ack_in_syn_sent_ignored", "an ACK from the server before its SYN/ACK is let through, state kept",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, ACK, 7000, 1001, 65535, NOWS, 0, V::kIgnore, St::kSynSent},
        {S, SA, 5000, 1001, 65535, NOWS, 0, V::kAccept, St::kSynRecv}}},
      {"data_beyond_window", "data past what the receiver allowed (ack + window) is invalid",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, SA, 5000, 1001, 1000, NOWS, 0, V::kAccept, St::kSynRecv},
        {C, ACK, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kEstablished},
        {C, PSH, 1001, 5001, 65535, NOWS, 500, V::kAccept, St::kEstablished},
        {C, PSH, 3001, 5001, 65535, NOWS, 100, V::kInvalid, St::kEstablished},
        {C, PSH, 1501, 5001, 65535, NOWS, 500, V::kAccept, St::kEstablished}}},
      {"data_too_old", "a segment ending more than a window before the highest sent is invalid",
       handshake({{C, PSH, 1001, 5001, 65535, NOWS, 60000, V::kAccept, St::kEstablished},
                  {S, ACK, 5001, 61001, 65535, NOWS, 0, V::kAccept, St::kEstablished},
                  {C, PSH, 61001, 5001, 65535, NOWS, 60000, V::kAccept, St::kEstablished},
                  {C, PSH, 1001, 5001, 65535, NOWS, 100, V::kInvalid, St::kEstablished}})},
      {"retransmitted_data", "old data still within a window back is a retransmission, accepted",
       handshake({{C, PSH, 1001, 5001, 65535, NOWS, 100, V::kAccept, St::kEstablished},
                  {C, PSH, 1101, 5001, 65535, NOWS, 100, V::kAccept, St::kEstablished},
                  {C, PSH, 1001, 5001, 65535, NOWS, 100, V::kAccept, St::kEstablished}})},
      {"ack_of_unsent", "acking bytes the peer never sent is invalid",
       handshake({{C, ACK, 1001, 9999, 65535, NOWS, 0, V::kInvalid, St::kEstablished},
                  {C, ACK, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kEstablished}})},
      {"ack_too_old", "acking more than the max ack window (66000) back is invalid",
       handshake({{C, ACK, 1001, 5001u - 70000u, 65535, NOWS, 0, V::kInvalid, St::kEstablished}})},
      {"sequence_wrap", "sequence numbers wrap at 2^32 (serial arithmetic)",
       {{C, SYN, 0xffffff00u, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, SA, 5000, 0xffffff01u, 65535, NOWS, 0, V::kAccept, St::kSynRecv},
        {C, ACK, 0xffffff01u, 5001, 65535, NOWS, 0, V::kAccept, St::kEstablished},
        {C, PSH, 0xffffff01u, 5001, 65535, NOWS, 1000, V::kAccept, St::kEstablished},
        {S, ACK, 5001, 0x000002e9u, 65535, NOWS, 0, V::kAccept, St::kEstablished},
        {C, PSH, 0x000002e9u, 5001, 65535, NOWS, 100, V::kAccept, St::kEstablished}}},
      {"rst_exact", "an RST at exactly the next expected sequence closes",
       handshake({{C, RST, 1001, 0, 0, NOWS, 0, V::kAccept, St::kClose}})},
      {"rst_in_window_challenge", "an in-window RST off the exact sequence waits for the challenge ACK (RFC 5961); the exact one then closes",
       handshake({{C, RST, 1500, 0, 0, NOWS, 0, V::kIgnore, St::kEstablished},
                  {S, ACK, 5001, 1001, 65535, NOWS, 0, V::kAccept, St::kEstablished},
                  {C, RST, 1001, 0, 0, NOWS, 0, V::kAccept, St::kClose}})},
      {"rst_out_of_window", "an RST far beyond the window is invalid",
       handshake({{C, RST, 1001 + 100000, 0, 0, NOWS, 0, V::kInvalid, St::kEstablished}})},
      {"rst_already_acked", "an RST below what the peer acked is invalid (stale or blind)",
       handshake({{C, RST, 500, 0, 0, NOWS, 0, V::kInvalid, St::kEstablished}})},
      {"rst_ends_train", "an RST right after the sender's data, at its end, closes",
       handshake({{S, PSH, 5001, 1001, 65535, NOWS, 19, V::kAccept, St::kEstablished},
                  {S, RST, 5020, 0, 0, NOWS, 0, V::kAccept, St::kClose}})},
      {"rst_refuses_syn", "RST|ACK acking the SYN (connection refused) closes",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, RA, 0, 1001, 0, NOWS, 0, V::kAccept, St::kClose}}},
      {"rst_to_syn_wrong_ack", "RST|ACK acking something else than the SYN is invalid",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, RA, 0, 7777, 0, NOWS, 0, V::kInvalid, St::kSynSent}}},
      {"rst_to_syn_acking_isn", "an RST|ACK acking the ISN itself (not ISN+1) is blind: invalid, the SYN/ACK still opens",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, RA, 0, 1000, 0, NOWS, 0, V::kInvalid, St::kSynSent},
        {S, RST, 0, 0, 0, NOWS, 0, V::kInvalid, St::kSynSent},
        {S, SA, 5000, 1001, 65535, NOWS, 0, V::kAccept, St::kSynRecv}}},
      {"rst_in_time_wait", "an RST in TIME_WAIT closes", closed_by_client({{S, RST, 5002, 0, 0, NOWS, 0, V::kAccept, St::kClose}})},
      {"client_closes_first", "FIN, ACK, FIN, ACK: FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT", closed_by_client({})},
      {"server_closes_first", "the same with the server's FIN first",
       handshake({{S, FIN, 5001, 1001, 65535, NOWS, 0, V::kAccept, St::kFinWait},
                  {C, ACK, 1001, 5002, 65535, NOWS, 0, V::kAccept, St::kCloseWait},
                  {C, FIN, 1001, 5002, 65535, NOWS, 0, V::kAccept, St::kLastAck},
                  {S, ACK, 5002, 1002, 65535, NOWS, 0, V::kAccept, St::kTimeWait}})},
      {"simultaneous_close", "FINs crossing: LAST_ACK until both are acked",
       handshake({{C, FIN, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kFinWait},
                  {S, FIN, 5001, 1001, 65535, NOWS, 0, V::kAccept, St::kLastAck},
                  {C, ACK, 1002, 5002, 65535, NOWS, 0, V::kAccept, St::kLastAck},
                  {S, ACK, 5002, 1002, 65535, NOWS, 0, V::kAccept, St::kTimeWait}})},
      {"fin_ack_answers_fin", "a FIN|ACK acking the peer's FIN goes straight to LAST_ACK",
       handshake({{C, FIN, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kFinWait},
                  {S, FIN, 5001, 1002, 65535, NOWS, 0, V::kAccept, St::kLastAck},
                  {C, ACK, 1002, 5002, 65535, NOWS, 0, V::kAccept, St::kTimeWait}})},
      {"fin_retransmit", "a retransmitted FIN does not advance FIN_WAIT",
       handshake({{C, FIN, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kFinWait},
                  {C, FIN, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kFinWait},
                  {S, ACK, 5001, 1002, 65535, NOWS, 0, V::kAccept, St::kCloseWait}})},
      {"ack_not_covering_fin", "an ACK below the FIN keeps FIN_WAIT",
       handshake({{C, PSH, 1001, 5001, 65535, NOWS, 100, V::kAccept, St::kEstablished},
                  {C, FIN, 1101, 5001, 65535, NOWS, 0, V::kAccept, St::kFinWait},
                  {S, ACK, 5001, 1101, 65535, NOWS, 0, V::kAccept, St::kFinWait},
                  {S, ACK, 5001, 1102, 65535, NOWS, 0, V::kAccept, St::kCloseWait}})},
      {"half_close", "after one FIN is acked the other side keeps sending data",
       handshake({{C, FIN, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kFinWait},
                  {S, ACK, 5001, 1002, 65535, NOWS, 0, V::kAccept, St::kCloseWait},
                  {S, PSH, 5001, 1002, 65535, NOWS, 100, V::kAccept, St::kCloseWait},
                  {C, ACK, 1002, 5101, 65535, NOWS, 0, V::kAccept, St::kCloseWait},
                  {S, FIN, 5101, 1002, 65535, NOWS, 0, V::kAccept, St::kLastAck},
                  {C, ACK, 1002, 5102, 65535, NOWS, 0, V::kAccept, St::kTimeWait}})},
      {"time_wait_retransmits", "a retransmitted FIN or last ACK in TIME_WAIT keeps TIME_WAIT",
       closed_by_client({{S, FIN, 5001, 1002, 65535, NOWS, 0, V::kAccept, St::kTimeWait},
                         {C, ACK, 1002, 5002, 65535, NOWS, 0, V::kAccept, St::kTimeWait}})},
      {"time_wait_reuse_by_client", "a new SYN in TIME_WAIT reopens the tuple as a new connection",
       closed_by_client({{C, SYN, 300000, 0, 65535, NOWS, 0, V::kReopen, St::kSynSent},
                         {S, SA, 9000, 300001, 65535, NOWS, 0, V::kAccept, St::kSynRecv},
                         {C, ACK, 300001, 9001, 65535, NOWS, 0, V::kAccept, St::kEstablished}})},
      {"time_wait_reuse_by_server", "a SYN from the old responder reopens with it as originator",
       closed_by_client({{S, SYN, 300000, 0, 65535, NOWS, 0, V::kReopen, St::kSynSent},
                         {C, SA, 9000, 300001, 65535, NOWS, 0, V::kAccept, St::kSynRecv},
                         {S, ACK, 300001, 9001, 65535, NOWS, 0, V::kAccept, St::kEstablished}})},
      {"syn_after_rst", "a SYN after an RST reopens", handshake({{C, RST, 1001, 0, 0, NOWS, 0, V::kAccept, St::kClose},
                                                                  {C, SYN, 400000, 0, 65535, NOWS, 0, V::kReopen, St::kSynSent}})},
      {"syn_in_established_challenge_ack", "a SYN on a live connection is let through untracked; the challenge ACK passes, the client's RST closes, the SYN reopens",
       handshake({{C, SYN, 900000, 0, 65535, NOWS, 0, V::kIgnore, St::kEstablished},
                  {S, ACK, 5001, 1001, 65535, NOWS, 0, V::kAccept, St::kEstablished},
                  {C, RST, 1001, 0, 0, NOWS, 0, V::kAccept, St::kClose},
                  {C, SYN, 900000, 0, 65535, NOWS, 0, V::kReopen, St::kSynSent}})},
      {"syn_in_established_resync", "a SYN/ACK answering the ignored SYN resynchronises to SYN_RECV",
       handshake({{C, SYN, 900000, 0, 65535, 7, 0, V::kIgnore, St::kEstablished},
                  {S, SA, 777, 900001, 65535, 7, 0, V::kAccept, St::kSynRecv},
                  {C, ACK, 900001, 778, 65535, NOWS, 0, V::kAccept, St::kEstablished}})},
      {"syn_in_established_refused", "an RST|ACK answering the ignored SYN closes the stale entry",
       handshake({{C, SYN, 900000, 0, 65535, NOWS, 0, V::kIgnore, St::kEstablished},
                  {S, RA, 0, 900001, 0, NOWS, 0, V::kAccept, St::kClose}})},
      {"synack_in_established_ignored", "a SYN/ACK from the server on a live connection is let through untracked",
       handshake({{S, SA, 123, 1001, 65535, NOWS, 0, V::kIgnore, St::kEstablished}})},
      {"window_scale", "with scaling offered both ways, a scaled window admits data beyond 65535",
       {{C, SYN, 1000, 0, 65535, 7, 0, V::kAccept, St::kSynSent},
        {S, SA, 5000, 1001, 65535, 7, 0, V::kAccept, St::kSynRecv},
        {C, ACK, 1001, 5001, 1024, NOWS, 0, V::kAccept, St::kEstablished},
        {S, ACK, 5001, 1001, 2048, NOWS, 0, V::kAccept, St::kEstablished},
        {C, PSH, 201001, 5001, 1024, NOWS, 1000, V::kAccept, St::kEstablished}}},
      {"window_scale_originator", "the originator's scale counts too: its scaled window admits the server's data",
       {{C, SYN, 1000, 0, 64240, 10, 0, V::kAccept, St::kSynSent},
        {S, SA, 5000, 1001, 65160, 10, 0, V::kAccept, St::kSynRecv},
        {C, ACK, 1001, 5001, 63, NOWS, 0, V::kAccept, St::kEstablished},
        {S, ACK, 5001, 1001, 64, NOWS, 1448, V::kAccept, St::kEstablished},
        {S, ACK, 6449, 1001, 64, NOWS, 1448, V::kAccept, St::kEstablished},
        {S, ACK, 60000, 1001, 64, NOWS, 1448, V::kAccept, St::kEstablished},
        {S, ACK, 70000, 1001, 64, NOWS, 1448, V::kInvalid, St::kEstablished}}},
      {"window_scale_one_sided", "scaling offered by one side only is off: the same data is invalid",
       {{C, SYN, 1000, 0, 65535, 7, 0, V::kAccept, St::kSynSent},
        {S, SA, 5000, 1001, 1024, NOWS, 0, V::kAccept, St::kSynRecv},
        {C, ACK, 1001, 5001, 1024, NOWS, 0, V::kAccept, St::kEstablished},
        {S, ACK, 5001, 1001, 2048, NOWS, 0, V::kAccept, St::kEstablished},
        {C, PSH, 201001, 5001, 1024, NOWS, 1000, V::kInvalid, St::kEstablished}}},
      {"window_scale_clamped", "a shift above 14 counts as 14 (4 << 14 = 65536 admits seq 66000, not 70000)",
       {{C, SYN, 1000, 0, 65535, 15, 0, V::kAccept, St::kSynSent},
        {S, SA, 5000, 1001, 4, 20, 0, V::kAccept, St::kSynRecv},
        {C, ACK, 1001, 5001, 4, NOWS, 0, V::kAccept, St::kEstablished},
        {S, ACK, 5001, 1001, 4, NOWS, 0, V::kAccept, St::kEstablished},
        {C, PSH, 66000, 5001, 4, NOWS, 100, V::kAccept, St::kEstablished},
        {C, PSH, 70000, 5001, 4, NOWS, 100, V::kInvalid, St::kEstablished}}},
      {"xmas_first", "all flags set cannot start a connection", {{C, XMAS, 1000, 0, 65535, NOWS, 0, V::kInvalid, St::kNone}}},
      {"xmas_established", "all flags set on a live connection is invalid",
       handshake({{C, XMAS, 1001, 5001, 65535, NOWS, 0, V::kInvalid, St::kEstablished}})},
      {"syn_fin_first", "SYN|FIN cannot start a connection", {{C, SYNFIN, 1000, 0, 65535, NOWS, 0, V::kInvalid, St::kNone}}},
      {"syn_fin_established", "SYN|FIN on a live connection is invalid",
       handshake({{C, SYNFIN, 1001, 5001, 65535, NOWS, 0, V::kInvalid, St::kEstablished}})},
      {"syn_rst", "SYN|RST is invalid", handshake({{C, SYNRST, 1001, 5001, 65535, NOWS, 0, V::kInvalid, St::kEstablished}})},
      {"null_flags", "a segment without flags is invalid", handshake({{C, NUL, 1001, 5001, 65535, NOWS, 0, V::kInvalid, St::kEstablished}})},
      {"fin_without_ack", "a FIN without ACK is invalid", handshake({{C, FIN_ONLY, 1001, 5001, 65535, NOWS, 0, V::kInvalid, St::kEstablished}})},
      {"synack_first", "a SYN/ACK cannot start a connection", {{C, SA, 5000, 1001, 65535, NOWS, 0, V::kInvalid, St::kNone}}},
      {"rst_first", "an RST cannot start a connection", {{C, RST, 5000, 0, 0, NOWS, 0, V::kInvalid, St::kNone}}},
      {"liberal", "with the liberal switch, out-of-window data passes (and does not move the window)",
       {{C, SYN, 1000, 0, 65535, NOWS, 0, V::kAccept, St::kSynSent},
        {S, SA, 5000, 1001, 1000, NOWS, 0, V::kAccept, St::kSynRecv},
        {C, ACK, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kEstablished},
        {C, PSH, 3001, 5001, 65535, NOWS, 100, V::kAccept, St::kEstablished},
        {C, XMAS, 1001, 5001, 65535, NOWS, 0, V::kInvalid, St::kEstablished},
        {C, FIN, 1001, 5001, 65535, NOWS, 0, V::kAccept, St::kFinWait}},
       true},
      {"pickup", "a first ACK (mid-stream) starts ESTABLISHED, both directions then pass with unknown scaling",
       {{C, PSH, 70000, 9000, 512, NOWS, 100, V::kAccept, St::kEstablished},
        {S, PSH, 9000, 70100, 512, NOWS, 100, V::kAccept, St::kEstablished},
        {C, PSH, 70100 + 400000, 9100, 512, NOWS, 100, V::kAccept, St::kEstablished},
        {C, FIN, 470200, 9100, 512, NOWS, 0, V::kAccept, St::kFinWait}}},
      {"pickup_disabled", "without pickup a first ACK is invalid",
       {{C, ACK, 70000, 9000, 512, NOWS, 0, V::kInvalid, St::kNone}}, false, false},
      {"pickup_fin_first", "a FIN cannot start a connection even with pickup",
       {{C, FIN, 70000, 9000, 512, NOWS, 0, V::kInvalid, St::kNone}}},
  };
  return k;
}

// Names the scenario in failure messages instead of dumping its bytes.
void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }

class TcpScenario : public ::testing::TestWithParam<Scenario> {};

TEST_P(TcpScenario, StatesAndVerdicts) {
  const Scenario& sc = GetParam();
  SCOPED_TRACE(sc.proves);
  TcpConn conn{};
  bool started = false;
  bool flipped = false;  // after a reopen by the server, S is the originator
  for (std::size_t i = 0; i < sc.segs.size(); ++i) {
    const Seg& s = sc.segs[i];
    SCOPED_TRACE("segment " + std::to_string(i));
    TcpSegment seg{.seq = s.seq, .ack = s.ack, .window = s.win, .payload_len = s.len, .flags = s.flags,
                   .wscale = s.wscale};
    TcpConn before = conn;
    V v;
    if (!started) {
      v = tcp_new(conn, seg, sc.pickup);
      started = v != V::kInvalid;
    } else {
      Dir d = (s.who == C) != flipped ? Dir::kOriginal : Dir::kReply;
      v = tcp_track(conn, d, seg, sc.liberal);
      if (v == V::kReopen) {
        ASSERT_EQ(std::memcmp(&before, &conn, sizeof conn), 0) << "reopen must not touch the old entry";
        ASSERT_EQ(tcp_new(conn, seg, sc.pickup), V::kAccept);
        flipped = s.who == S;
      }
    }
    EXPECT_EQ(v, s.verdict);
    EXPECT_STREQ(tcp_state_name(conn.state), tcp_state_name(s.state));
    if (v == V::kInvalid) {
      EXPECT_EQ(std::memcmp(&before, &conn, sizeof conn), 0) << "invalid changed state";
    }
    if (v == V::kIgnore) {
      EXPECT_EQ(std::memcmp(&before, &conn, offsetof(TcpConn, last_seq)), 0) << "ignore changed windows";
      EXPECT_EQ(before.state, conn.state);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, TcpScenario, ::testing::ValuesIn(scenarios()),
                         [](const auto& info) { return info.param.name; });

// The table is only as good as what it reaches: every state of the machine
// is the state after some segment, every verdict is some segment's, and
// every state is left by some segment that is not a retransmission of the
// one that entered it (so a transition out of each state is exercised), in
// both the strict and the liberal or picked-up modes.
TEST(TcpScenarioTable, ReachesEveryStateAndVerdictAndLeavesEveryStateButNone) {
  std::set<int> states, verdicts, left;
  bool strict = false, loose = false;
  for (const Scenario& sc : scenarios()) {
    (sc.liberal || sc.pickup ? loose : strict) = true;
    St before = St::kNone;
    for (const Seg& g : sc.segs) {
      states.insert(static_cast<int>(g.state));
      verdicts.insert(static_cast<int>(g.verdict));
      if (g.state != before) left.insert(static_cast<int>(before));
      before = g.state;
    }
  }
  for (int st = 0; st < static_cast<int>(St::kCount); ++st) {
    if (st != static_cast<int>(St::kNone)) EXPECT_TRUE(states.count(st)) << tcp_state_name(static_cast<St>(st)) << " is never reached";
    if (st != static_cast<int>(St::kClose)) EXPECT_TRUE(left.count(st)) << tcp_state_name(static_cast<St>(st)) << " is never left";
  }
  for (V v : {V::kAccept, V::kIgnore, V::kInvalid, V::kReopen})
    EXPECT_TRUE(verdicts.count(static_cast<int>(v))) << "verdict " << static_cast<int>(v) << " never given";
  EXPECT_TRUE(strict) << "no scenario with strict window checks";
  EXPECT_TRUE(loose) << "no scenario picked up mid-stream or liberal";
}

// Flag validity over all 256 combinations against the nine allowed shapes.
TEST(TcpFlags, OnlyTheNineShapesAreValid) {
  int valid = 0;
  for (int f = 0; f < 256; ++f) valid += tcp_flags_valid(static_cast<uint8_t>(f));
  EXPECT_EQ(valid, 9 * 8);  // each shape with any PSH/ECE/CWR
  EXPECT_TRUE(tcp_flags_valid(SA | tcp_flag::kEce | tcp_flag::kCwr));
  EXPECT_FALSE(tcp_flags_valid(XMAS));
}

}  // namespace
}  // namespace vfpath::ct
