from gmac.cli import main

main()
