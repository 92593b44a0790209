// discardLogs: sends muduo's log to nowhere for the rest of the process. Code
// under fuzz logs every bad frame, refused socket option and torn tail; a
// fuzzer makes millions of them, which would drown its report and slow it
// down. Call it from LLVMFuzzerInitialize, which runs once, in the main
// thread, before any input.
#ifndef TOOLS_FUZZING_QUIETLOGS_H_
#define TOOLS_FUZZING_QUIETLOGS_H_

namespace muduo::fuzzing {

void discardLogs();

}  // namespace muduo::fuzzing

#endif  // TOOLS_FUZZING_QUIETLOGS_H_
