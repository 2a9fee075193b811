// The rule header fields: addresses and ports (Suricata list syntax).
// Control path only. Each function returns true, or false with `error`.
//
//   address := '!'? ( 'any' | IPv4[/len] | IPv6[/len] | '[' address (',' address)* ']' )
//   port    := '!'? ( 'any' | N | N: | :N | N:M | '[' port (',' port)* ']' )
//
// A list is the union of its positive items minus its negated ones; a negated
// list excludes all its items. A negation inside a negated list, `!any`, and
// variables ($HOME_NET) are refused: the first has no union-minus reading,
// the second matches nothing, the third needs a variable table we do not have.
#pragma once

#include <string>
#include <string_view>

#include "ids/rule.h"

namespace vfpath::ids {

bool parse_address(std::string_view text, AddressMatch& out, std::string& error);
bool parse_ports(std::string_view text, PortMatch& out, std::string& error);

}  // namespace vfpath::ids
