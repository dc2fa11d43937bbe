"""The Pulumi program entry: the Python language host runs this file (`main` defaults to the project root).

`python -m infra` stays the offline CLI; both run `infra.stack`.
"""

from infra.stack import main

main()
