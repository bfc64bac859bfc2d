from ecart.cli import main

main()
