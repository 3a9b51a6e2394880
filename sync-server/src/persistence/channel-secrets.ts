/** Store role: the signing secrets of webhook channels. */
export interface ChannelSecrets {
	setChannelSecret(channelId: string, secret: string): Promise<void>;
	getChannelSecret(channelId: string): Promise<string | null>;
	deleteChannelSecret(channelId: string): Promise<void>;
}
