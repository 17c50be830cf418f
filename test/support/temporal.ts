// Tests start the same real servers the product's simulation uses.
export { startDevServer, startTimeSkippingServer } from '../../temporal/ephemeralServers';
