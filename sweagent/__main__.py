from sweagent.cli import main

main()
