echo "self=$0"
read line
echo "got $line"
