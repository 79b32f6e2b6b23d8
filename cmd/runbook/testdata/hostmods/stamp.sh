#!/bin/sh
set -eu
printf "%s\n" "$2" > "$1"
