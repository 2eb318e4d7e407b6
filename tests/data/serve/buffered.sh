#!/bin/sh
# A program that block-buffers its output when stdout is not a terminal, for the `serve --pty` test: sed (C
# stdio) prints "line one", then, once the file "$1" exists, "line two". On a pipe both lines leave sed only
# when it exits; on a terminal each line leaves as soon as it is written.
{
  echo one
  while [ ! -e "$1" ]; do sleep 0.02; done
  echo two
} | sed -e 's/^/line /'
