"""What every model trajectory shares, for generation and selection alike.

The reply grammar (`actions`), the turn loop (`trajectory`), fitting the history into the window
(`history`) and rendering script runs for the model (`observations`). Only the grammar is
re-exported here, so parsing a reply does not import the loop's dependencies.
"""

from sweagent.agent.actions import ALLOWED_ACTIONS, Action, Choose, Done, Edit, WriteTest, parse_reply

__all__ = ["ALLOWED_ACTIONS", "Action", "Choose", "Done", "Edit", "WriteTest", "parse_reply"]
