using Streaming.DevHost;

return await DevHostCommands.RunAsync(args);
