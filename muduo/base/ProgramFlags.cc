#include "muduo/base/ProgramFlags.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace muduo {
namespace {

// absl's own flags whose value is a file or a list of names, not something
// its ParseFrom should see: absl::ParseCommandLine handles them itself.
bool isAbslDirective(absl::string_view name) {
  return name == "flagfile" || name == "fromenv" || name == "tryfromenv" || name == "undefok";
}

bool isHelpRequest(absl::string_view arg) {
  return arg == "--help" || arg == "-help" || arg == "-h" || arg == "--helpshort" ||
         arg == "-helpshort";
}

std::string baseName(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return std::string(slash == absl::string_view::npos ? path : path.substr(slash + 1));
}

// A main file's flags come first: they are what makes this binary different.
bool isMainFile(absl::string_view file) { return absl::EndsWith(file, "main.cc"); }

void checkFlags(absl::string_view program, int argc, char* argv[]) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;  // a positional argument
    arg.remove_prefix(arg[1] == '-' ? 2 : 1);
    const size_t eq = arg.find('=');
    const absl::string_view name = arg.substr(0, eq);
    const bool hasValue = eq != absl::string_view::npos;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    std::string value;
    if (flag == nullptr && !hasValue && absl::StartsWith(name, "no")) {
      flag = absl::FindCommandLineFlag(name.substr(2));
      if (flag != nullptr && flag->IsOfType<bool>()) {
        flag->ParseFrom("false", &value);
        continue;
      }
      flag = nullptr;
    }
    if (flag == nullptr) {
      exitWithUsageError(program, absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    if (hasValue) {
      value = std::string(arg.substr(eq + 1));
    } else if (flag->IsOfType<bool>()) {
      value = "true";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      exitWithUsageError(program, absl::StrCat("--", name, " needs a value"));
    }
    if (isAbslDirective(name)) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      exitWithUsageError(
          program, absl::StrCat("--", name, "=", value, ": ", error.empty() ? "bad value" : error));
    }
  }
}

}  // namespace

std::string programHelp(absl::string_view program, const ProgramUsage& usage) {
  // file -> flags defined there, sorted by name; absl's own flags left out.
  std::map<std::string, std::vector<const absl::CommandLineFlag*>> byFile;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (flag->IsRetired()) continue;
    const std::string file = flag->Filename();
    if (absl::StrContains(file, "absl/")) continue;
    byFile[file].push_back(flag);
  }
  std::vector<std::string> files;
  for (auto& [file, flags] : byFile) {
    std::sort(flags.begin(), flags.end(),
              [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
    files.push_back(file);
  }
  std::stable_partition(files.begin(), files.end(), isMainFile);

  std::string out = absl::StrCat(
      "Usage: ", usage.synopsis.empty() ? absl::StrCat(program, " [flags]") : usage.synopsis,
      "\n\n", usage.description, "\n");
  for (const std::string& file : files) {
    absl::StrAppend(&out, "\n", isMainFile(file) ? "Flags" : "Shared flags", " (", file, "):\n");
    for (const absl::CommandLineFlag* flag : byFile[file]) {
      const std::string value = flag->CurrentValue();
      absl::StrAppend(&out, "  --", flag->Name(), "=", value.empty() ? "\"\"" : value, "\n      ",
                      flag->Help(), "\n");
    }
  }
  if (!usage.examples.empty()) {
    absl::StrAppend(&out, "\nExample", usage.examples.size() > 1 ? "s" : "", ":\n");
    for (const std::string& example : usage.examples) absl::StrAppend(&out, "  ", example, "\n");
  }
  absl::StrAppend(&out,
                  "\nA bad flag or value exits with status 2. --helpfull also lists abseil's "
                  "own flags.\n");
  return out;
}

std::vector<char*> parseProgramFlags(int argc, char* argv[], const ProgramUsage& usage) {
  const std::string program = baseName(argc > 0 ? argv[0] : "program");
  absl::SetProgramUsageMessage(absl::StrCat(program, ": ", usage.description));
  for (int i = 1; i < argc && absl::string_view(argv[i]) != "--"; ++i) {
    if (isHelpRequest(argv[i])) {
      // Before any flag is parsed, so each flag shows the binary's default.
      const std::string help = programHelp(program, usage);
      std::fwrite(help.data(), 1, help.size(), stdout);
      std::fflush(stdout);
      std::exit(0);
    }
  }
  checkFlags(program, argc, argv);
  return absl::ParseCommandLine(argc, argv);
}

void exitWithUsageError(absl::string_view program, absl::string_view message) {
  const std::string line = absl::StrCat(program, ": ", message, "\n");
  std::fputs(line.c_str(), stderr);
  std::exit(kUsageErrorExit);
}

}  // namespace muduo
