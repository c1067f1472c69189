"""The HR web console (issue 12): server-rendered pages for people, in the same process and through the same
request path as the API (docs/console.md). People sign in with the users of talent_training.users."""
