// Protobuf logs every malformed UTF-8 string it meets: the protobuf targets
// silence it so the fuzzer's own output stays readable.
#pragma once

#include <google/protobuf/stubs/logging.h>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}
