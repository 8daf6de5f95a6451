//===- WritablePath.h - whether a file could be written, without opening it
//-===//
//
// What the host program (--csv) and coco-calibrate (-o) check before their
// runs, so that a path they cannot write fails at once and not after
// minutes of measurement. The path is not opened: a named pipe's reader
// would see an end of file at the check's close (and leave), and the real
// open would then wait for a reader forever. Header-only and free of MLIR,
// like Blocks.h.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_SUPPORT_WRITABLEPATH_H
#define COCO_SUPPORT_WRITABLEPATH_H

#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace coco_support {

/// Why `path` cannot be written (opened for writing, created if missing), or
/// "" where it can: "it is a directory", "it is not writable", "no directory
/// D", "directory D is not writable".
inline std::string whyNotWritable(const std::string &path) {
  struct stat status;
  if (::stat(path.c_str(), &status) == 0) {
    if (S_ISDIR(status.st_mode))
      return "it is a directory";
    return ::access(path.c_str(), W_OK) == 0 ? "" : "it is not writable";
  }
  size_t slash = path.find_last_of('/');
  std::string directory = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  if (::stat(directory.c_str(), &status) != 0 || !S_ISDIR(status.st_mode))
    return "no directory " + directory;
  if (::access(directory.c_str(), W_OK | X_OK) != 0)
    return "directory " + directory + " is not writable";
  return "";
}

} // namespace coco_support

#endif // COCO_SUPPORT_WRITABLEPATH_H
