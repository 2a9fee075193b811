#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into OUT/bin:
#   tests/fuzz/build_targets.sh SOURCE_ROOT OUT [TARGET ...]
# Targets: parser pipeline config delta classbench ids_rules (default: all). Each is
# built from the sources it exercises, so coverage is of vfpath's code.
set -euo pipefail
src=$1 out=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parser pipeline config delta classbench ids_rules)
cxx=$(command -v clang++ || true)
[ -n "$cxx" ] || { echo "clang++ not found: install the Debian package clang" >&2; exit 1; }
mkdir -p "$out/bin" "$out/gen/control"
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -Wno-deprecated-volatile -I"$src" -I"$out/gen")
p=$src/packet d=$src/dataplane a=$src/acl c=$src/control
acl_pure=("$a"/{nacl,nacl_compile,rule_check,cidr,result,method,reference,small_classifier}.cc)
ids_pure=("$src"/ids/{rule_parser,header_parse,pcre_check,content_verify,database,matcher,stream,sha256}.cc "$src/packet/text_address.cc")
control_text=("$c"/{model,config_file,nacl_config,sg_config,overlay_config,eni_limits,eni_metadata,ids_config,xdp_config,internet_config}.cc "$p/text_address.cc" "$out/gen/control/vfpath.pb.cc")

proto() {  # the schema's generated code, once
  [ -f "$out/gen/control/vfpath.pb.cc" ] || protoc --proto_path="$c" --cpp_out="$out/gen/control" "$c/vfpath.proto"
}

for t in "${targets[@]}"; do
  case $t in
    parser)
      "$cxx" "${flags[@]}" "$src/tests/fuzz/parser_fuzz.cc" "$p"/{parser,checksum}.cc -o "$out/bin/parser_fuzz" ;;
    pipeline)
      "$cxx" "${flags[@]}" $(pkg-config --cflags libdpdk) \
        "$src/tests/fuzz/pipeline_fuzz.cc" "$p"/{parser,checksum,replies,prefix_table}.cc "$d/pipeline.cc" \
        "$d"/stages/{parse,eni,neighbor,anti_spoof,handoff,route,nacl,conntrack,ids,l2_rewrite,overlay_encap,overlay_decap,underlay_neighbor}_stage.cc \
        "$d"/stages/{overlay_route,sg_decision,allowance_stage,link_local_stage,internet_stage}.cc "$p/dhcp.cc" "$p/dhcp6.cc" "$p/metadata_nat.cc" "$p/nat44.cc" "$d/ids_streams.cc" "$d/allowance.cc" "${ids_pure[@]}" "$a/sg_set_rules.cc" "$src"/encap/{encap_template,decap,mtu}.cc \
        "$src"/conntrack/{flow_key,tcp_segment,tcp_state,related,flow_table,tracker,fragment_table}.cc \
        "$a"/{classifier,small_classifier,rte_layout,method,result,rule_check,cidr,nacl}.cc \
        $(pkg-config --libs libdpdk libhs libcrypto) -o "$out/bin/pipeline_fuzz" ;;
    ids_rules)
      "$cxx" "${flags[@]}" "$src/tests/fuzz/ids_rules_fuzz.cc" "${ids_pure[@]}" $(pkg-config --libs libhs libcrypto) \
        -o "$out/bin/ids_rules_fuzz" ;;
    config | delta)
      proto
      extra=()
      [ "$t" = delta ] && extra=("$c/delta.cc")
      "$cxx" "${flags[@]}" $(pkg-config --cflags protobuf libdpdk) "$src/tests/fuzz/${t}_fuzz.cc" "${control_text[@]}" "${extra[@]}" \
        "${acl_pure[@]}" "$p/prefix_table.cc" "${ids_pure[@]:0:${#ids_pure[@]}-1}" "$src/ids/ruleset_loader.cc" \
        $(pkg-config --libs protobuf libhs libcrypto) -lz -o "$out/bin/${t}_fuzz" ;;
    classbench)
      "$cxx" "${flags[@]}" "$src/tests/fuzz/classbench_fuzz.cc" "$a"/{classbench,line_reader,cidr,result,rule_check}.cc \
        -lz -o "$out/bin/classbench_fuzz" ;;
    *) echo "unknown fuzz target $t (parser pipeline config delta classbench ids_rules)" >&2; exit 2 ;;
  esac
done
