# What `cmake --install build --prefix P` puts under P: bin/ssetool, the library (the static parts the public API
# needs, exported as the CMake package `ssetool` with target ssetool::ssetool), the public headers, ssetool.pc,
# the man pages and shell completions. Included by the top CMakeLists.txt after the executable is defined.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The parts below the public API (lib/README.md), in link order.
set(SSETOOL_API_PARTS app server loop hub wire base)
foreach(part IN LISTS SSETOOL_API_PARTS)
  target_include_directories(ssetool_${part} INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endforeach()
# ssetool::ssetool, for users of the library (the executable already has the name `ssetool`).
add_library(ssetool_api INTERFACE)
target_link_libraries(ssetool_api INTERFACE ssetool_app)
target_compile_features(ssetool_api INTERFACE cxx_std_20)
set_target_properties(ssetool_api PROPERTIES EXPORT_NAME ssetool)
add_library(ssetool::ssetool ALIAS ssetool_api)

list(TRANSFORM SSETOOL_API_PARTS PREPEND ssetool_ OUTPUT_VARIABLE api_targets)
install(TARGETS ssetool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tool)
install(TARGETS ssetool_api ${api_targets} EXPORT ssetoolTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        COMPONENT dev)
set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/ssetool)
install(EXPORT ssetoolTargets NAMESPACE ssetool:: DESTINATION ${config_dir} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ssetoolConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/ssetoolConfig.cmake INSTALL_DESTINATION ${config_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ssetoolConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ssetoolConfig.cmake ${PROJECT_BINARY_DIR}/ssetoolConfigVersion.cmake
        DESTINATION ${config_dir} COMPONENT dev)

# The public headers only: <ssetool/ssetool.hpp> and what it includes (no httplib, no internals).
set(include_root ${PROJECT_SOURCE_DIR}/lib/include/ssetool)
install(FILES ${include_root}/ssetool.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ssetool COMPONENT dev)
install(DIRECTORY ${include_root}/app DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ssetool COMPONENT dev)
install(FILES ${include_root}/base/errors.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ssetool/base COMPONENT dev)
install(FILES ${include_root}/wire/event.hpp ${include_root}/wire/request.hpp ${include_root}/wire/headers.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ssetool/wire COMPONENT dev)

configure_file(${PROJECT_SOURCE_DIR}/cmake/ssetool.pc.in ${PROJECT_BINARY_DIR}/ssetool.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/ssetool.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# Man pages, compressed as Debian policy asks (man reads them so anywhere).
file(GLOB man_pages ${PROJECT_SOURCE_DIR}/man/*.1)
set(man_gz)
foreach(page IN LISTS man_pages)
  get_filename_component(name ${page} NAME)
  set(gz ${PROJECT_BINARY_DIR}/man/${name}.gz)
  add_custom_command(OUTPUT ${gz} COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
                     COMMAND gzip -n -9 -c ${page} > ${gz} DEPENDS ${page} VERBATIM)
  list(APPEND man_gz ${gz})
endforeach()
add_custom_target(man_pages ALL DEPENDS ${man_gz})
install(FILES ${man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT tool)

# Completions, printed by the built binary (`ssetool completion SHELL`), where each shell looks for them.
set(completion_dir ${PROJECT_BINARY_DIR}/completions)
add_custom_command(
  OUTPUT ${completion_dir}/ssetool ${completion_dir}/_ssetool ${completion_dir}/ssetool.fish
  COMMAND ${CMAKE_COMMAND} -E make_directory ${completion_dir}
  COMMAND ssetool completion bash > ${completion_dir}/ssetool
  COMMAND ssetool completion zsh > ${completion_dir}/_ssetool
  COMMAND ssetool completion fish > ${completion_dir}/ssetool.fish
  DEPENDS ssetool VERBATIM)
add_custom_target(completions ALL DEPENDS ${completion_dir}/ssetool)
install(FILES ${completion_dir}/ssetool DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT tool)
install(FILES ${completion_dir}/_ssetool DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions COMPONENT tool)
install(FILES ${completion_dir}/ssetool.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d COMPONENT tool)

include(${PROJECT_SOURCE_DIR}/cmake/ssetool_package.cmake)  # CPack: the .deb packages (scripts/package)
