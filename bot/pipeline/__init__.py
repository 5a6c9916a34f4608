"""The background loop and the steps it runs for every open task: the create call at
GPTunnel, the polls (scheduled from what tasks of a model usually take), and handing finished
pictures to delivery. Resumed from storage at every start."""
