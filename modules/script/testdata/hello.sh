#!/bin/sh
# prints its own path, its arguments and a variable
echo "self=$0"
for a in "$@"; do printf "arg=[%s]\n" "$a"; done
echo "env=$RB_X pwd=$(pwd)"
echo "to stderr" >&2
