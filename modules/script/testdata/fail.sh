echo "self=$0"
echo "broken: cannot reach 10.0.0.5" >&2
exit 4
