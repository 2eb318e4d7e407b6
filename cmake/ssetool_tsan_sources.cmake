# The ThreadSanitizer build (SSETOOL_SANITIZE=thread) runs only the test cases tagged [concurrency] (scripts/test),
# so it compiles only the test files that hold one: a third of the test sources, minutes of a CI run.
# Included by tests/CMakeLists.txt.

# ssetool_keep_concurrency_sources(VAR): under TSan, drops from the list VAR the files that hold no "[concurrency]";
# elsewhere, leaves VAR as it is. Each test file then reconfigures the TSan tree when edited (a tag added or removed).
function(ssetool_keep_concurrency_sources var)
  if(NOT SSETOOL_SANITIZE STREQUAL "thread")
    return()
  endif()
  set(kept)
  foreach(source IN LISTS ${var})
    file(STRINGS ${source} tagged REGEX "\\[concurrency\\]" LIMIT_COUNT 1)
    if(tagged)
      list(APPEND kept ${source})
    endif()
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${${var}})
  set(${var} ${kept} PARENT_SCOPE)
endfunction()
