// ProgramFlags: how every binary of this repository reads its command line.
//
// absl::ParseCommandLine alone answers --help with "No flags matched" unless
// the main file is named after the binary, exits 1 after printing help, and
// exits 1 on a bad value. A user should instead see what the program is, its
// own flags with their defaults and an example, with exit 0, and a mistake
// should be one line naming the flag, with exit 2 (the usual status for a
// usage error, so scripts can tell it from a failure to serve).
//
// (absl::string_view, not std::: Debian's abseil keeps its own type.)
//
// parseProgramFlags() therefore reads argv once itself, checking every flag
// with absl's own parser, and only then hands it to absl::ParseCommandLine,
// which can no longer fail. Call it from main(), before any thread starts.
#ifndef MUDUO_BASE_PROGRAMFLAGS_H_
#define MUDUO_BASE_PROGRAMFLAGS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace muduo {

struct ProgramUsage {
  // What follows "Usage: ": "echo_server [flags]".
  std::string synopsis;
  // One or more sentences on what the program does.
  std::string description;
  // Complete command lines a user can paste.
  std::vector<std::string> examples;
};

// Exit status of a command line that cannot be used (bad flag, bad value).
inline constexpr int kUsageErrorExit = 2;

// Handles --help (-h, --helpshort): prints the usage to stdout and exits 0.
// An unknown flag or a value the flag's type cannot hold: one line on stderr
// ("echo_server: --port: ..."), exit 2. Otherwise parses the flags and
// returns the positional arguments, argv[0] first, as absl does.
std::vector<char*> parseProgramFlags(int argc, char* argv[], const ProgramUsage& usage);

// The help text parseProgramFlags prints: the usage line, the description,
// every flag this repository's code defines in the binary (its main file's
// first, then the shared ones grouped by the file defining them) with its
// current value as the default, then the examples. For tests.
[[nodiscard]] std::string programHelp(absl::string_view program, const ProgramUsage& usage);

// For a value that parses but makes no sense (a port of 70000, a log level
// of "LOUD"): prints "<program>: <message>" on stderr and exits 2.
[[noreturn]] void exitWithUsageError(absl::string_view program, absl::string_view message);

}  // namespace muduo

#endif  // MUDUO_BASE_PROGRAMFLAGS_H_
