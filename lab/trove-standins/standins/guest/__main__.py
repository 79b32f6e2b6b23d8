"""python3 -m standins.guest --root SERVER_ROOT"""
from standins.guest.agent import main

main()
