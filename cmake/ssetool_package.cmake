# CPack: two Debian packages from the install components (scripts/package builds them and runs lintian):
#   ssetool         the command, its man pages and shell completions (tool); dependencies from dpkg-shlibdeps;
#   libssetool-dev  the library: static parts, public headers, CMake package, ssetool.pc (dev); it depends on the
#                   -dev packages that find_package(ssetool) and pkg-config look for.
# Each gets /usr/share/doc/PACKAGE/{copyright,changelog.Debian.gz} as Debian policy asks.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ssetool)
set(CPACK_PACKAGE_VENDOR "ssetool")
set(CPACK_PACKAGE_CONTACT "ssetool maintainers <ssetool@example.org>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL tool dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_STRIP_FILES ON)  # the executable; static libraries are never stripped by CMake

set(CPACK_DEBIAN_TOOL_PACKAGE_NAME ssetool)
set(CPACK_DEBIAN_TOOL_PACKAGE_SECTION net)
set(CPACK_DEBIAN_TOOL_PACKAGE_SHLIBDEPS ON)
set(CPACK_COMPONENT_TOOL_DESCRIPTION "Server-Sent Events from the shell\n\
ssetool serves, replays, reads and benchmarks Server-Sent Events streams:\n\
pipe broadcasts a command's output, serve runs a command per client,\n\
replay serves recordings, listen reads a stream, bench load-tests one.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libssetool-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libcpp-httplib-dev (>= ${HTTPLIB_VERSION}), libcpp-httplib-dev (<< 0.11.5), libfmt-dev, nlohmann-json3-dev, libssl-dev, pkg-config")
set(CPACK_COMPONENT_DEV_DESCRIPTION "Server-Sent Events server library for C++20 (development files)\n\
An embedded SSE server with coroutine handlers: App, sse(), SseSession\n\
with back-pressure, heartbeats, JSON serialisation and broadcasts with\n\
Last-Event-ID resume. Static libraries, headers, CMake package, ssetool.pc.")

# Debian's per-package documentation files, made at configure time.
foreach(component tool dev)
  string(TOUPPER ${component} upper)
  set(package ${CPACK_DEBIAN_${upper}_PACKAGE_NAME})
  set(doc ${PROJECT_BINARY_DIR}/debian-doc/${package})
  file(MAKE_DIRECTORY ${doc})
  file(WRITE ${doc}/copyright
       "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
       "Upstream-Name: ssetool\n\nFiles: *\nCopyright: 2026 the ssetool authors\n"
       "License: no license file is given in the source tree yet\n")
  file(WRITE ${doc}/changelog
       "${package} (${PROJECT_VERSION}-1) unstable; urgency=medium\n\n  * Package built by scripts/package.\n\n"
       " -- ${CPACK_PACKAGE_CONTACT}  Thu, 01 Jan 2026 00:00:00 +0000\n")
  file(RENAME ${doc}/changelog ${doc}/changelog.Debian)
  execute_process(COMMAND gzip -n -9 -f ${doc}/changelog.Debian)
  install(FILES ${doc}/copyright ${doc}/changelog.Debian.gz DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package}
          COMPONENT ${component})
endforeach()
include(CPack)
